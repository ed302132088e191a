"""Control characters in free text (SEC-5): refused on input, stripped on output.

A name, a goal or a username holding a control character (NUL, ESC, form feed …) cannot be written into an
.xlsx or .docx (XML 1.0 forbids them) and made whole exports fail. Services refuse them field by field
(``control_char_errors``, applied by ``suiban.core.services.validate`` to every text field of a model);
exports strip them from what is already stored (``strip_control``).
"""

import re

from django.db import models
from django.utils.translation import gettext as _

# Single-line text: every C0/C1 control character and DEL. Multi-line text may keep tab, newline, CR.
_SINGLE_LINE = re.compile("[\x00-\x1f\x7f-\x9f\ufffe\uffff]")
_MULTI_LINE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")
# What XML 1.0 (and so .xlsx/.docx) cannot hold at all, and lone surrogates.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def has_control_chars(value, *, multiline: bool = False) -> bool:
    return isinstance(value, str) and bool((_MULTI_LINE if multiline else _SINGLE_LINE).search(value))


def control_message(label=None) -> str:
    if label:
        return _("%(field)s contains invisible control characters; remove them and save again.") % {
            "field": label}
    return _("This text contains invisible control characters; remove them and save again.")


def check_text(value, field: str, label=None, *, multiline: bool = False) -> None:
    """Refuse (422 on ``field``) a text holding control characters."""
    from suiban.core.errors import DomainError

    if has_control_chars(value, multiline=multiline):
        raise DomainError(control_message(label), field=field, code="control_characters")


def control_char_errors(obj, exclude=None) -> list[dict]:
    """One error per text field of a model instance that holds control characters (CharField: none at all;
    TextField: tab and line breaks allowed)."""
    errors = []
    for f in obj._meta.concrete_fields:
        if exclude and f.name in exclude or not isinstance(f, models.CharField | models.TextField):
            continue
        value = getattr(obj, f.attname, None)
        if has_control_chars(value, multiline=isinstance(f, models.TextField)):
            errors.append({"field": f.name, "code": "control_characters",
                           "message": control_message(str(f.verbose_name))})
    return errors


def strip_control(value, *, multiline: bool = True):
    """The text without the characters a document cannot hold (tab and line breaks kept when multiline)."""
    if not isinstance(value, str):
        return value
    value = _XML_ILLEGAL.sub("", value)
    if not multiline:
        value = _SINGLE_LINE.sub("", value)
    return value


PINYIN_KEY_LENGTH = 300


def pinyin_key(name: str) -> str:
    """A sort key that puts Chinese names in pinyin order with a plain byte comparison (SQLite has no ICU):
    each character's pinyin with its tone number, separated by spaces ("李娜" → "li3 na4", so 李 < 林 as
    "li3" < "lin2"); other characters lower-cased as they are. Stored beside the name by the services."""
    from pypinyin import Style, lazy_pinyin

    name = (name or "").strip()
    parts = lazy_pinyin(name, style=Style.TONE3, neutral_tone_with_five=True)
    if name[:1] in SURNAME_READINGS and parts and parts[0] != name[:1]:
        parts[0] = SURNAME_READINGS[name[:1]]  # a family name read as a family name: 曾 is zeng, not ceng
    return " ".join(p.lower() for p in parts if p.strip())[:PINYIN_KEY_LENGTH]


# family names whose reading differs from the character's most common one
SURNAME_READINGS = {"曾": "zeng1", "单": "shan4", "解": "xie4", "仇": "qiu2", "朴": "piao2", "查": "zha1",
                    "区": "ou1", "乐": "yue4", "覃": "qin2", "缪": "miao4", "翟": "zhai2", "盖": "ge3", "召": "shao4",
                    "种": "chong2", "秘": "bi4", "员": "yun4", "黑": "he4", "尉": "yu4", "繁": "po2", "任": "ren2",
                    "华": "hua4", "纪": "ji3", "燕": "yan1", "葛": "ge3", "薄": "bo2", "折": "she2", "重": "chong2"}
