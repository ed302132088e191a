"""Policy in the user's words (ARCHITECTURE "Pages"): a rule's source clause as a sentence, a value as text.

Sources are written in the code as short references ("GD §28", "HC §3.4", "GD A6.3.2"); pages never show them
as codes but as the document's name and clause in Chinese.
"""

import re

from django.utils.translation import gettext as _

GD_TITLE = "《广东省义务教育阶段随班就读工作实施细则（征求意见稿）》"
HC_TITLE = "《厦门市海沧区教育局关于推进义务教育阶段随班就读工作的通知》（厦海教〔2023〕152号）"
_DIGITS = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 13 → 十三, 28 → 二十八, 40 → 四十 (enough for clause numbers)."""
    if n < 10:
        return _DIGITS[n]
    tens, ones = divmod(n, 10)
    head = "" if tens == 1 else _DIGITS[tens]
    return f"{head}十{_DIGITS[ones] if ones else ''}"


def _gd(ref: str) -> str | None:
    m = re.fullmatch(r"GD ?§(\d+)(?:\((\d+)\))?", ref)
    if m:
        item = f"第（{chinese_number(int(m.group(2)))}）项" if m.group(2) else ""
        return f"{GD_TITLE}第{chinese_number(int(m.group(1)))}条{item}"
    m = re.fullmatch(r"GD ?A(\d+)(?:\.[\d.]+)?", ref)
    if m:
        return f"{GD_TITLE}附件{chinese_number(int(m.group(1)))}"
    return None


def _hc(ref: str) -> str | None:
    m = re.fullmatch(r"HC ?§(\d+)(?:\.(\d+))?(?:\.(\d+))?", ref)
    if m:
        part = f"第{chinese_number(int(m.group(1)))}部分"
        item = f"第（{chinese_number(int(m.group(2)))}）项" if m.group(2) else ""
        point = f"第{int(m.group(3))}点" if m.group(3) else ""
        return f"{HC_TITLE}{part}{item}{point}"
    m = re.fullmatch(r"HC ?(?:A|附件 ?)(\d+)(?: ([\d.]+))?", ref)
    if m:
        line = f"第{m.group(2)}项" if m.group(2) else ""
        return f"{HC_TITLE}附件{chinese_number(int(m.group(1)))}{line}"
    return None


def source_in_words(source: str) -> str:
    """"GD §28" → "依据《广东省…实施细则（征求意见稿）》第二十八条"; several references joined by "、";
    a text that is no reference (e.g. a product default) is returned as it is."""
    if not source:
        return ""
    parts = []
    for ref in re.split(r"\s*[,，;；、/]\s*", source.strip()):
        m = re.fullmatch(r"HC ?§(\d+)\.(\d+)[–-](?:\1\.)?(\d+)", ref)
        if m:  # a range of items of one section: "HC §3.3–3.4"
            parts.append(f"{HC_TITLE}第{chinese_number(int(m.group(1)))}部分第（{chinese_number(int(m.group(2)))}）"
                         f"至（{chinese_number(int(m.group(3)))}）项")
            continue
        m = re.fullmatch(r"附件 ?(\d+)", ref)
        if m and parts and HC_TITLE in parts[-1]:  # "HC §5 / 附件3": an attachment of the same notice
            parts.append(f"附件{chinese_number(int(m.group(1)))}")
            continue
        # A reference may carry a note: "HC §2.3 (厦教发〔2021〕108号)" → the clause in words, then the note.
        words, note = _gd(ref) or _hc(ref), ""
        m = None if words else re.fullmatch(r"(.+?)\s*[（(](.+)[)）]", ref)
        if m:
            words, note = _gd(m.group(1)) or _hc(m.group(1)), m.group(2)
        parts.append((words + (f"（{note}）" if note else "")) if words else ref)
    if parts and parts[0].startswith("《") and all(p.startswith(("《", "附件")) for p in parts):
        return _("Based on %(source)s") % {"source": "、".join(parts)}
    return "、".join(parts)


# Codes that appear inside list values (expense categories, income sources, certifying bodies), in words.
VALUE_LABELS = {
    "teaching_aids": "教具辅具添置", "purchased_courses": "购买课程", "homebound_transport": "送教上门教师交通补助",
    "transport_subsidy": "送教上门教师交通补助", "professional_services": "购买特殊儿童专业服务",
    "teacher_training": "教师专业能力提升培训", "city_subsidy": "市级补助经费", "district_subsidy": "区级补助经费",
    "school_budget": "学校年度预算经费", "per_pupil_funds": "随班就读生均公用经费",
    "resource_room_special": "资源教室专项经费", "dpf": "残联", "hospital": "医院", "committee": "残疾人教育专家委员会",
}


def value_in_words(param, value) -> str:
    """A parameter's value as a person reads it: 是/否, 9月1日, a list joined by 、, a number as written."""
    from suiban.policy.params import BOOL, MONTH_DAY, NUMBER, STR_LIST

    if value is None:
        return "—"
    if param.type == BOOL:
        return _("Yes") if value else _("No")
    if param.type == MONTH_DAY and isinstance(value, str) and re.fullmatch(r"\d{2}-\d{2}", value):
        month, day = value.split("-")
        return _("%(month)s/%(day)s") % {"month": int(month), "day": int(day)}
    if param.type == STR_LIST and isinstance(value, list | tuple):
        return "、".join(str(VALUE_LABELS.get(v, v)) for v in value) if value else "—"
    if param.type == NUMBER and isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
