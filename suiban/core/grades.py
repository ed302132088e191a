"""School grades (年级) for people: 一年级 … 九年级. The record stores the number 1–9; every page, choice list and
export shows the word from here (the roster import reads both)."""

from django.utils import translation
from django.utils.translation import pgettext_lazy

GRADE_LABELS = {
    1: pgettext_lazy("school grade", "Grade 1"), 2: pgettext_lazy("school grade", "Grade 2"),
    3: pgettext_lazy("school grade", "Grade 3"), 4: pgettext_lazy("school grade", "Grade 4"),
    5: pgettext_lazy("school grade", "Grade 5"), 6: pgettext_lazy("school grade", "Grade 6"),
    7: pgettext_lazy("school grade", "Grade 7"), 8: pgettext_lazy("school grade", "Grade 8"),
    9: pgettext_lazy("school grade", "Grade 9"),
}
GRADE_CHOICES = list(GRADE_LABELS.items())


def grade_label(grade, *, language: str | None = None) -> str:
    """3 → "三年级"; an empty value → "—"; a value outside 1–9 is shown as it is. ``language`` fixes the
    language (a Chinese document such as the roster export, which the import reads back, says "zh-hans")."""
    if grade in (None, ""):
        return "—"
    try:
        label = GRADE_LABELS[int(grade)]
    except (KeyError, TypeError, ValueError):
        return str(grade)
    if language:
        with translation.override(language):
            return str(label)
    return str(label)


def grade_choices(grades=None) -> list[tuple[int, object]]:
    """Choices for a select: all nine grades, or only ``grades`` (a school's allowed grades)."""
    return [(g, label) for g, label in GRADE_CHOICES if grades is None or g in grades]
