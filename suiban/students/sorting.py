"""The sortable columns of the student and case lists (pages, API and exports alike): ``?sort=key`` or
``?sort=-key``; any other value keeps the default order (PL-13: names in pinyin order)."""

from suiban.core.lists import Sorting
from suiban.students.selectors import pinyin

STUDENTS = Sorting({
    "name": (pinyin("name"),),
    "school": ("school__code", pinyin("name")),
    "class": ("school_class__name", pinyin("name")),
    "grade": ("grade", pinyin("name")),
    "disability_category": ("disability_category", pinyin("name")),
    "disability_grade": ("disability_grade", pinyin("name")),
    "placement": ("placement", pinyin("name")),
    "status": ("status", pinyin("name")),
}, default="name")

CASES = Sorting({
    "id": (),
    "kind": ("kind",),
    "student": (pinyin("student__name"),),
    "school": ("school__code",),
    "state": ("state",),
    "created_at": ("created_at",),
    "deadline": ("deadline",),
    "effective_date": ("effective_date",),
}, default="-created_at")
