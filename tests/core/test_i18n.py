"""Internationalisation (ARCHITECTURE §8 i18n): the Chinese catalog is complete and is what users see
by default."""

import ast
from pathlib import Path

import pytest
from django.conf import settings

PO_FILE = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
# Newer apps keep their own catalog beside them (suiban/<app>/locale), so every catalog is checked.
PO_FILES = [PO_FILE, *sorted(Path(settings.BASE_DIR).glob("suiban/*/locale/zh_Hans/LC_MESSAGES/django.po"))]


def _unquote(line):
    return ast.literal_eval(line)


def parse_po(path):
    """A tiny .po parser: a list of entries {"msgid", "msgid_plural", "msgstr": [..], "flags", "line"}.

    Enough for the files makemessages writes (no obsolete ``#~`` entries are kept as entries)."""
    entries = []
    entry = None
    field = None

    def finish():
        if entry is not None and "msgid" in entry:
            entries.append(entry)

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            finish()
            entry, field = None, None
            continue
        if entry is None:
            entry = {"flags": set(), "msgstr": {}, "line": number}
        if line.startswith("#,"):
            entry["flags"].update(f.strip() for f in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif line.startswith("msgctxt "):
            field = ("msgctxt", None)
            entry["msgctxt"] = _unquote(line[len("msgctxt "):])
        elif line.startswith("msgid_plural "):
            field = ("msgid_plural", None)
            entry["msgid_plural"] = _unquote(line[len("msgid_plural "):])
        elif line.startswith("msgid "):
            field = ("msgid", None)
            entry["msgid"] = _unquote(line[len("msgid "):])
        elif line.startswith("msgstr["):
            index = int(line[len("msgstr["):line.index("]")])
            field = ("msgstr", index)
            entry["msgstr"][index] = _unquote(line[line.index("]") + 1:].strip())
        elif line.startswith("msgstr "):
            field = ("msgstr", 0)
            entry["msgstr"][0] = _unquote(line[len("msgstr "):])
        elif line.startswith('"') and field is not None:
            name, index = field
            if name == "msgstr":
                entry["msgstr"][index] += _unquote(line)
            else:
                entry[name] += _unquote(line)
        else:
            raise AssertionError(f"{path}:{number}: unexpected line {raw!r}")
    finish()
    return entries


@pytest.mark.parametrize("po_file", PO_FILES, ids=lambda p: str(p.relative_to(settings.BASE_DIR)))
def test_zh_hans_catalog_is_complete(po_file):
    """ARCHITECTURE §8 i18n: every zh_Hans catalog (the project's and each app's) has no untranslated and no
    fuzzy entry."""
    entries = parse_po(po_file)
    messages = [e for e in entries if e["msgid"] != ""]
    assert messages, "the catalog has no messages"
    untranslated = [
        f"line {e['line']}: {e['msgid']!r}"
        for e in messages
        if not e["msgstr"] or any(not s.strip() for s in e["msgstr"].values())
    ]
    fuzzy = [f"line {e['line']}: {e['msgid']!r}" for e in entries if "fuzzy" in e["flags"]]
    assert untranslated == [], "untranslated entries:\n" + "\n".join(untranslated)
    assert fuzzy == [], "fuzzy entries:\n" + "\n".join(fuzzy)


def test_pages_render_in_chinese_by_default(user_client):
    """ARCHITECTURE §8 i18n: zh-hans is the default; English is chosen by cookie or Accept-Language."""
    client = user_client("hc_bureau")

    page = client.get("/").content.decode()
    assert 'lang="zh-hans"' in page
    assert "首页" in page

    english = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'lang="en"' in english
    assert "Home" in english
    assert "首页" not in english

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    by_cookie = client.get("/").content.decode()
    assert 'lang="en"' in by_cookie
    assert "Home" in by_cookie


def test_api_errors_follow_accept_language(api_client):
    """ARCHITECTURE §8 i18n: API problem details are Chinese by default and follow Accept-Language."""
    chinese = api_client("hc_bureau").get("/api/v1/schools/999999")
    assert chinese.status_code == 404
    assert chinese["Content-Type"].startswith("application/problem+json")
    assert chinese.json()["detail"] == "对象不存在或不在您的权限范围内。"

    english = api_client("hc_bureau", language="en").get("/api/v1/schools/999999")
    assert english.status_code == 404
    assert english["Content-Type"].startswith("application/problem+json")
    assert english.json()["detail"] == "The object does not exist or is outside your scope."
