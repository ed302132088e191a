"""Fill or correct zh_Hans catalog entries from a JSON mapping {msgid: msgstr}; clears their fuzzy flag.

Usage: python scripts/po_fill.py locale/zh_Hans/LC_MESSAGES/django.po translations.json
"""

import json
import re
import sys


def quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def unquote(lines: list[str]) -> str:
    return "".join(json.loads(line) for line in lines)


def main(po_path: str, mapping_path: str) -> None:
    mapping = json.load(open(mapping_path, encoding="utf-8"))
    blocks = open(po_path, encoding="utf-8").read().split("\n\n")
    done = set()
    for i, block in enumerate(blocks):
        lines = block.split("\n")
        try:
            start = next(n for n, line in enumerate(lines) if line.startswith("msgid "))
        except StopIteration:
            continue
        end = next(n for n, line in enumerate(lines) if line.startswith("msgstr"))
        cont = start + 1
        while cont < end and lines[cont].startswith('"'):
            cont += 1
        if cont != end:  # plural or context entries are left to a translator
            continue
        msgid = unquote([lines[start][6:], *lines[start + 1:end]])
        if msgid not in mapping:
            continue
        head = [line for line in lines[:start] if not line.startswith("#|")]
        head = [re.sub(r"^#, fuzzy, ", "#, ", line) for line in head if line != "#, fuzzy"]
        blocks[i] = "\n".join([*head, *lines[start:end], "msgstr " + quote(mapping[msgid])])
        done.add(msgid)
    open(po_path, "w", encoding="utf-8").write("\n\n".join(blocks))
    missing = set(mapping) - done
    if missing:
        print("not in catalog:", sorted(missing))


if __name__ == "__main__":
    main(*sys.argv[1:])
