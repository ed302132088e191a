"""Roster columns, value labels and cell parsing shared by the import, the template and the export (PL-13)."""

import re
from dataclasses import dataclass
from datetime import date, datetime

from django.utils.translation import gettext as _

from suiban.core.errors import DomainError
from suiban.core.text import control_message, has_control_chars
from suiban.students import services

MAX_BYTES = 10 * 1024 * 1024  # SEC-5: uploads are limited to 10 MB
# Zip bombs (SEC-5) are refused from the archive's directory before anything is inflated: a 10,000-row
# roster is a few MB of XML, compressed 5–20 times; a bomb is hundreds of MB compressed hundreds of times.
# A 10,000-row roster sheet is under 10 MB of XML. openpyxl scans a whole sheet without a <dimension> element
# once on opening (even read-only), so the size of one entry also bounds that time (≈ 3 MB/s worst case).
MAX_UNZIPPED_BYTES = 40 * 1024 * 1024  # all entries together, as declared (zipfile never inflates beyond it)
MAX_ENTRY_BYTES = 16 * 1024 * 1024  # any one entry (a sheet)
MAX_SHARED_STRINGS_BYTES = 16 * 1024 * 1024  # openpyxl keeps the shared strings in memory
MAX_RATIO = 100  # uncompressed / compressed, for entries above RATIO_FROM bytes
RATIO_FROM = 1024 * 1024
MAX_ENTRIES = 200
MAX_COLUMNS = 64  # cells read per row: a row cannot stretch to column XFD
MAX_SECONDS = 30  # the whole reading of the workbook
MAX_ROWS = 10_000
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_CHUNK = 900  # stay under SQLite's bound-parameter limit in IN (...) lookups

# --- value labels (Chinese data of the spreadsheet) ------------------------------------------------
GENDER_LABELS = {"male": "男", "female": "女"}
CATEGORY_LABELS = {"visual": "视力", "hearing": "听力", "speech": "言语", "physical": "肢体", "intellectual": "智力",
                   "mental": "精神", "multiple": "多重"}
DGRADE_LABELS = {1: "一级", 2: "二级", 3: "三级", 4: "四级"}
CERTIFIER_LABELS = {"dpf": "残联", "hospital": "医院", "committee": "专家委员会"}
PLACEMENT_LABELS = {"regular_class": "随班就读", "special_class": "附设特教班", "special_school": "特殊教育学校",
                    "homebound": "送教上门", "remote": "远程教育", "awaiting": "待安置"}
STATUS_LABELS = {"active": "在校", "deferred": "延缓入学", "transferred": "转出", "graduated": "毕业",
                 "completed": "结业", "attended": "肄业", "left": "离校"}
_ALIASES = {
    "gender": {"男性": "male", "女性": "female", "m": "male", "f": "female"},
    "disability_category": {f"{label}残疾": code for code, label in CATEGORY_LABELS.items()}
    | {"多重残疾": "multiple", "孤独症": "mental"},
    "certified_by": {"残疾人联合会": "dpf", "残疾人联合会（残联）": "dpf", "医疗机构": "hospital",
                     "残疾人教育专家委员会": "committee", "专家委": "committee"},
    "placement": {"普通班": "regular_class", "普通班级随班就读": "regular_class", "特教班": "special_class",
                  "特殊学校": "special_school", "特校": "special_school", "送教": "homebound"},
    "status": {"在读": "active", "在籍": "active", "延缓": "deferred", "转学": "transferred", "已转出": "transferred",
               "已毕业": "graduated", "退学": "left"},
}
CN_DIGITS = "一二三四五六七八九"
_JUNIOR = {"初一": 7, "初二": 8, "初三": 9}


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # Chinese header text (data)
    kind: str = "text"  # text | id (long digit strings) | date | grade | dgrade | choice
    required: bool = False  # required for a new student
    width: int = 12
    labels: dict | None = None  # code → Chinese label

    def allowed(self) -> str:
        if self.kind == "grade":
            return "1–9 / 一年级…九年级"
        if self.kind == "dgrade":
            return "、".join(DGRADE_LABELS.values()) + " / 1–4"
        if self.labels:
            return "、".join(self.labels.values())
        return ""


COLUMNS = [
    Column("name", "姓名", required=True, width=12),
    Column("gender", "性别", "choice", True, 8, GENDER_LABELS),
    Column("birth_date", "出生日期", "date", True, 12),
    Column("id_number", "身份证号", "id", width=22),
    Column("student_number", "全国学籍号", "id", True, 22),
    Column("hukou_region_code", "户籍所在地代码", "id", width=14),
    Column("school", "学校标识码", "id", True, 14),
    Column("school_class", "班级", width=16),
    Column("grade", "年级", "grade", True, 8),
    Column("disability_category", "残疾类别", "choice", True, 10, CATEGORY_LABELS),
    Column("disability_grade", "残疾等级", "dgrade", width=10),
    Column("certificate_number", "残疾人证号", "id", width=26),
    Column("certificate_issued_on", "发证日期", "date", width=12),
    Column("certified_by", "认定机构", "choice", width=12, labels=CERTIFIER_LABELS),
    Column("placement", "安置方式", "choice", width=14, labels=PLACEMENT_LABELS),
    Column("status", "学籍状态", "choice", width=10, labels=STATUS_LABELS),
    Column("enrolled_on", "入学日期", "date", width=12),
    Column("guardian_name", "监护人姓名", width=12),
    Column("guardian_relation", "监护人关系", width=10),
    Column("guardian_phone", "监护人电话", "id", width=16),
    Column("committee_opinion", "专家委员会意见", width=30),
]
# The roster export's own columns (PL-13: an exported roster imports back unchanged): 序号 is ignored, the
# school by name, the guardians "刘芳（母亲）；…" and their phones "138…；…" fill the guardian columns.
EXPORT_COLUMNS = {
    "序号": None,
    "学校": Column("school_name", "学校"),
    "监护人": Column("guardians_text", "监护人"),
    "联系电话": Column("phones_text", "联系电话", "id"),
}
COLUMN_BY_KEY = {c.key: c for c in COLUMNS}
_COLUMN_ORDER = {c.key: i for i, c in enumerate(COLUMNS)}
RECORD_KEYS = [c.key for c in COLUMNS if c.key in services.EDITABLE]
GUARDIAN_KEYS = ("guardian_name", "guardian_relation", "guardian_phone")
NOT_IMPORTED = [k for k in services.EDITABLE if k not in RECORD_KEYS]  # the notes: never touched by an import
IMPORTED = [k for k in services.EDITABLE if k not in NOT_IMPORTED]
# A service error's field → the column it belongs to.
_FIELD_COLUMN = {c.key: c.header for c in COLUMNS} | {
    "class_id": "班级", "school_id": "学校标识码", "committee_opinion": "专家委员会意见",
}


def _column_for(field_name) -> str | None:
    if not field_name:
        return None
    m = re.fullmatch(r"guardians\[\d+\]\.(name|relation|phone)", field_name)
    if m:
        return COLUMN_BY_KEY[f"guardian_{m.group(1)}"].header
    return _FIELD_COLUMN.get(field_name)


def _issue(row, column, message, field_name="", code="invalid") -> dict:
    return {"row": row, "column": column, "field": field_name, "code": code, "message": str(message)}


def _file_error(message, code="invalid_file") -> DomainError:
    return DomainError(str(message), errors=[_issue(None, None, message, "file", code)])


# --- cell parsing --------------------------------------------------------------------------------
def _norm(text: str) -> str:
    return re.sub(r"\s+", "", text).replace("(", "（").replace(")", "）")


def _header_key(text) -> str:
    """'性别(男/女)', '姓名*', ' 姓名 ' → '性别', '姓名'; the English field names are accepted too."""
    t = re.sub(r"[（(].*?[)）]", "", str(text or "")).replace("*", "").strip()
    return re.sub(r"\s+", "", t)


_HEADERS = {c.header: c for c in COLUMNS} | {c.key: c for c in COLUMNS}


def _plain_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        value = value.date()
    return str(value).strip()


def _parse_cell(col: Column, value):
    """Return the parsed value (None for an empty cell) or raise ValueError with a translated message."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if has_control_chars(value, multiline=col.key == "committee_opinion"):  # SEC-5: they break every export
        raise ValueError(control_message())
    if col.kind == "id":
        if isinstance(value, str) and "*" in value:  # a masked number of an export (SEC-4): not given
            return None
        if isinstance(value, float) and abs(value) >= 1e15:
            raise ValueError(_("Excel stored this long number as a number and rounded it; format the column as "
                               "text and enter the number again."))
        return _plain_text(value).upper() if col.key != "guardian_phone" else _plain_text(value)
    if col.kind == "date":
        return _parse_date(value)
    if col.kind == "grade":
        return _parse_grade(value)
    if col.kind == "dgrade":
        return _parse_dgrade(value)
    if col.kind == "choice":
        return _parse_choice(col, value)
    text = _plain_text(value)
    if col.key == "school_class":
        return _norm(text)
    return text


def _parse_date(value) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and 1 <= value < 2958466:  # an Excel serial day number
        from openpyxl.utils.datetime import from_excel

        return from_excel(value).date()
    text = _plain_text(value)
    for fmt in ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日"):
        try:
            return datetime.strptime(text, fmt).date()  # noqa: DTZ007 (a calendar date, no time zone)
        except ValueError:
            continue
    raise ValueError(_("Enter a valid date (YYYY-MM-DD)."))


def _parse_grade(value) -> int:
    text = _plain_text(value).replace("年级", "")
    if text in _JUNIOR:
        return _JUNIOR[text]
    if len(text) == 1 and text in CN_DIGITS:
        return CN_DIGITS.index(text) + 1
    if text.isdigit() and 1 <= int(text) <= 9:
        return int(text)
    raise ValueError(_("Enter a grade from 1 to 9 (or 一年级 … 九年级)."))


def _parse_dgrade(value) -> int:
    text = _plain_text(value).replace("级", "")
    if len(text) == 1 and text in CN_DIGITS[:4]:
        return CN_DIGITS.index(text) + 1
    if text.isdigit() and 1 <= int(text) <= 4:
        return int(text)
    raise ValueError(_("Enter a disability grade from 一级 to 四级 (or 1 to 4)."))


def _parse_choice(col: Column, value) -> str:
    text = _plain_text(value)
    low = re.sub(r"\s+", "", text).lower()
    for code, label in col.labels.items():
        if low in (code, label):
            return code
    code = _ALIASES.get(col.key, {}).get(low)
    if code:
        return code
    raise ValueError(_("Choose one of: %(values)s.") % {"values": col.allowed()})
