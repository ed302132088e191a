"""Home-page figures of the staff module: the pools' filing in scope (ST-1), each figure linking to its list."""

from suiban.core.home import register
from suiban.org.models import SchoolYear
from suiban.staff import selectors


def _filing_figures(user):
    sy = SchoolYear.current()
    if sy is None:
        return {"year": None}
    return {"year": sy, **selectors.filing_counts(user, sy)}


register("staff_filing", "staff.filing", "staff/_home_panel.html", _filing_figures, order=40)
