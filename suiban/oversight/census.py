"""Import of the lists of children with disabilities from the disabled persons' federation, civil affairs and
health (PL-14): an .xlsx validated like the roster — the same size and row limits, every bad cell reported with
its row and column, nothing imported unless every row is good — then matched to the register by the keyed hash
of the identity number (``suiban.core.crypto.lookup_hash``, as ``Student.id_number_hash``)."""

from dataclasses import dataclass
from datetime import date, datetime

from django.db import transaction
from django.utils.translation import gettext as _

from suiban.core import audit
from suiban.core.crypto import lookup_hash, mask_id
from suiban.core.errors import DomainError, PermissionDenied
from suiban.core.idnumbers import parse_id_number
from suiban.core.scoping import can
from suiban.oversight.models import CENSUS_SOURCES, CensusChild
from suiban.students.models import Student
from suiban.students.roster.columns import MAX_ROWS, _header_key
from suiban.students.roster.upload import _data_sheet, _open_workbook, read_upload

COLUMNS = {"姓名": "name", "身份证号": "id_number", "公民身份号码": "id_number", "性别": "gender",
           "出生日期": "birth_date", "残疾类别": "disability_category", "家庭住址": "address", "住址": "address"}
REQUIRED = ("name", "id_number")
GENDERS = {"男": "male", "女": "female"}
CATEGORIES = {"视力": "visual", "听力": "hearing", "言语": "speech", "肢体": "physical", "智力": "intellectual",
              "精神": "mental", "多重": "multiple"}


@dataclass
class CensusImport:
    created: int
    known: int
    matched: int


def _issue(row, column, message, field_name="", code="invalid") -> dict:
    return {"row": row, "column": column, "field": field_name, "code": code, "message": str(message)}


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def parse(data: bytes) -> tuple[list[dict], list[dict]]:
    """Rows as dicts (with their row number) and the problems found, each with row and column."""
    wb = _open_workbook(data)
    ws = _data_sheet(wb)
    rows = ws.iter_rows(values_only=True)
    header = next(rows, ())
    columns = {}
    for i, text in enumerate(header):
        key = COLUMNS.get(_header_key(text)) if text is not None else None
        if key and key not in columns.values():
            columns[i] = key
    letters = {key: _letter(i) for i, key in columns.items()}
    issues = [_issue(1, None, _("The column “%(name)s” is missing.") % {"name": name}, key, "missing_column")
              for name, key in (("姓名", "name"), ("身份证号", "id_number")) if key not in columns.values()]
    if issues:
        return [], issues
    out, seen = [], {}
    for n, values in enumerate(rows, start=2):
        if not any(v not in (None, "") for v in values):
            continue
        if len(out) >= MAX_ROWS:
            return [], [_issue(n, None, _("A file may hold at most %(n)d rows.") % {"n": MAX_ROWS}, "file",
                               "too_many_rows")]
        raw = {key: values[i] if i < len(values) else None for i, key in columns.items()}
        row = {"row": n}
        for key in REQUIRED:
            if not _cell_text(raw.get(key)):
                issues.append(_issue(n, letters[key], _("This field is required."), key, "required"))
        id_text = _cell_text(raw.get("id_number")).upper()
        if id_text:
            try:
                info = parse_id_number(id_text)
            except ValueError as exc:
                issues.append(_issue(n, letters["id_number"], str(exc), "id_number"))
                info = None
            if info:
                row.update(id_number=id_text, birth_date=info["birth_date"], gender=info["gender"])
                if id_text in seen:
                    issues.append(_issue(n, letters["id_number"], _("The same identity number is on row %(row)d.")
                                         % {"row": seen[id_text]}, "id_number", "duplicate"))
                seen.setdefault(id_text, n)
        row["name"] = _cell_text(raw.get("name"))[:50]
        gender = _cell_text(raw.get("gender"))
        if gender and row.get("gender") and GENDERS.get(gender) != row["gender"]:
            issues.append(_issue(n, letters["gender"], _("The sex does not agree with the identity number."),
                                 "gender"))
        birth = raw.get("birth_date")
        if birth not in (None, "") and row.get("birth_date"):
            value = birth.date() if isinstance(birth, datetime) else birth
            if not isinstance(value, date) or value != row["birth_date"]:
                issues.append(_issue(n, letters["birth_date"],
                                     _("The birth date does not agree with the identity number."), "birth_date"))
        category = _cell_text(raw.get("disability_category")).replace("残疾", "")
        if category and category not in CATEGORIES:
            issues.append(_issue(n, letters["disability_category"], _("Unknown disability category."),
                                 "disability_category"))
        row["disability_category"] = CATEGORIES.get(category, "")
        row["address"] = _cell_text(raw.get("address"))[:200]
        out.append(row)
    if not out and not issues:
        issues.append(_issue(None, None, _("The file holds no rows."), "file", "empty"))
    return out, issues


def _letter(i: int) -> str:
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


def census_import(*, actor, region, source: str, upload) -> CensusImport:
    """Import one list into a district's census: all rows or none (PL-14, SEC-5)."""
    if not can(actor, "oversight.census", region):
        raise PermissionDenied(_("Your roles do not allow this."))
    if source not in dict(CENSUS_SOURCES):
        raise DomainError(_("Choose one of the allowed values."),
                          errors=[_issue(None, None, _("Choose one of the allowed values."), "source")])
    if region.level != "district":
        raise DomainError(_("A census belongs to a county or district."),
                          errors=[_issue(None, None, _("A census belongs to a county or district."), "region")])
    rows, issues = parse(read_upload(upload))
    if issues:
        raise DomainError(_("%(n)d problems in the file; nothing was imported.") % {"n": len(issues)}, errors=issues)
    hashes = {r["row"]: lookup_hash(r["id_number"]) for r in rows}
    with transaction.atomic():
        known = set(CensusChild.objects.select_for_update().filter(region=region, id_number_hash__in=hashes.values())
                    .values_list("id_number_hash", flat=True))
        students = dict(Student.objects.filter(id_number_hash__in=hashes.values())
                        .values_list("id_number_hash", "pk"))
        new = []
        for r in rows:
            h = hashes[r["row"]]
            if h in known:
                continue
            known.add(h)
            sid = students.get(h)
            new.append(CensusChild(region=region, region_path=region.path, name=r["name"], gender=r["gender"],
                                   birth_date=r["birth_date"], id_number=r["id_number"], id_number_hash=h,
                                   id_number_masked=mask_id(r["id_number"]), source=source,
                                   disability_category=r["disability_category"], address=r["address"],
                                   state="in_school" if sid else "not_in_school", student_id=sid))
        CensusChild.objects.bulk_create(new, batch_size=500)
        matched = sum(1 for c in new if c.student_id)
        audit.record(actor, "oversight.census.imported", region,
                     changes={"source": [None, source], "rows": [None, len(rows)], "created": [None, len(new)],
                              "matched": [None, matched]})
    transaction.on_commit(lambda: _recompute_census())
    return CensusImport(created=len(new), known=len(rows) - len(new), matched=matched)


def _recompute_census():
    from suiban.oversight.wiring import schedule

    schedule(None, "oversight.censuschild")

