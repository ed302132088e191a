"""What every list page shares: sorting by a whitelisted column (``?sort=name`` / ``?sort=-name``) and the
export of what is on screen as an A4-landscape .xlsx.

A list declares its sortable columns once::

    SORT = Sorting({"name": (pinyin("name"),), "grade": ("grade", "name_pinyin")}, default="name")
    qs, sort = SORT.apply(qs, request.GET.get("sort"))

An unknown column falls back to the default (never an error); the primary key is always the last key, in the
same direction, so pages never overlap. The template shows the headers with ``{% sort_th "name" label %}``
(``aria-sort`` on the sorted one) and keeps the order in the filter form with ``core/_keep_sort.html``;
pagination keeps every query parameter.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import F
from django.db.models.expressions import OrderBy
from django.utils.functional import Promise


def _expr(e):
    return F(e) if isinstance(e, str) else e


@dataclass(frozen=True)
class Sorting:
    columns: dict[str, tuple]
    default: str
    tie: str = "id"

    def key(self, raw: str | None) -> str:
        """The asked order if its column is sortable here, else the default."""
        raw = (raw or "").strip()
        return raw if raw and raw.lstrip("-") in self.columns and raw.count("-") <= 1 and not raw.endswith("-") \
            else self.default

    def order_by(self, key: str) -> list:
        desc = key.startswith("-")
        out = []
        for e in self.columns[key.lstrip("-")]:
            e = _expr(e)
            if isinstance(e, OrderBy):  # a fixed direction (e.g. "open cases first" whatever the order)
                out.append(e)
            else:
                out.append(e.desc() if desc else e.asc())
        out.append(F(self.tie).desc() if desc else F(self.tie).asc())
        return out

    def apply(self, qs, raw: str | None):
        """``(qs ordered by the asked or default column, the sort key used)``."""
        key = self.key(raw)
        return qs.order_by(*self.order_by(key)), key


def xlsx_response(*, title: str, headers: list[str], rows, filename: str, widths: list[int] | None = None):
    """An .xlsx of a list as on screen: a title row, the header row repeated on every printed page, A4 landscape
    fitted to the page width (OV-3), every cell through ``safe_cell`` (SEC-5)."""
    from django.http import HttpResponse
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    from suiban.core.xlsx import a4_landscape, safe_row

    wb = Workbook()
    ws = wb.active
    ws.title = title[:31]
    ws.append([title])
    ws["A1"].font = Font(bold=True, size=13)
    ws.append(list(headers))
    for c in ws[2]:
        c.font = Font(bold=True)
        c.alignment = Alignment(wrap_text=True, vertical="center")
    count = 0
    for row in rows:
        ws.append(safe_row(row))
        count += 1
    for i, w in enumerate(widths or [14] * len(headers), start=1):
        ws.column_dimensions[get_column_letter(i)].width = w
    a4_landscape(ws, "2:2")
    ws.freeze_panes = "A3"
    resp = HttpResponse(content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    resp["Content-Disposition"] = f'attachment; filename="{filename}"'
    wb.save(resp)
    resp.rows_written = count
    return resp


def put_labels(objects, *fields: str) -> list:
    """``<field>_label`` on each object: the label of its choice (what ``get_<field>_display()`` says), from a
    dict built once per page instead of once per row and field."""
    objects = list(objects)
    if objects:
        meta = type(objects[0])._meta
        for name in fields:
            labels = {k: str(v) if isinstance(v, Promise) else v for k, v in meta.get_field(name).flatchoices}
            for o in objects:
                value = getattr(o, name)
                setattr(o, f"{name}_label", labels.get(value, value))
    return objects
