"""Rubric evidence from the archives (RR-7 ← AR-1, AR-2): lines 2.1 (the school's resource-room archive) and 2.2
(student archives)."""

from decimal import ROUND_FLOOR, Decimal

from django.db.models import Count
from django.urls import reverse
from django.utils.translation import gettext as _

from suiban.core.registry import Evidence, evidence
from suiban.students.archives.services import ITEM_NUMBERS
from suiban.students.models import ACTIVE_STATUSES, INCLUSION_PLACEMENTS, SchoolArchiveFile, Student

# AR-2 sections that make up the resource room's management archive (rules, plans, summaries) of 2.1.
MANAGEMENT_SECTIONS = ("rules", "plans", "resource_room")


def _half_down(raw: Decimal) -> Decimal:
    return (raw * 2).to_integral_value(rounding=ROUND_FLOOR) / 2


def school_archive(school, school_year):
    """2.1 资源教室管理档案（制度、计划、总结）(1): documents of the school year in the rules, plans and
    resource-room sections of the school archive (AR-2)."""
    held = set(SchoolArchiveFile.objects.filter(school=school, school_year=school_year,
                                                section__in=MANAGEMENT_SECTIONS)
               .values_list("section", flat=True).distinct())
    link = ((_("School archive"), reverse("archives:school", args=[school.pk])),)
    summary = _("%(n)s of %(t)s management sections hold documents of %(year)s.") % {
        "n": len(held), "t": len(MANAGEMENT_SECTIONS), "year": school_year.name}
    if len(held) == len(MANAGEMENT_SECTIONS):
        return Evidence(summary, link, Decimal(1),
                        _("Rules, plans and resource-room materials are filed: full points."))
    return Evidence(summary, link, Decimal(0),
                    _("Rules, plans or resource-room materials of the school year are missing."))


def student_archives(school, school_year):
    """2.2 学生档案（工作记录、学生信息、个别化教育计划）(3): 3 points times the share of students in inclusion whose
    archive holds every AR-1 item, rounded down to half a point."""
    rows = list(Student.objects.filter(school=school, placement__in=INCLUSION_PLACEMENTS, status__in=ACTIVE_STATUSES)
                .annotate(done=Count("archive_files__item", distinct=True)).values_list("done", flat=True))
    link = ((_("Student archives"), reverse("archives:school", args=[school.pk])),)
    if not rows:
        return Evidence(_("%(school)s has no students in inclusion on record.") % {"school": school.name}, link,
                        None, _("Nothing to count: the evidence is entered by hand."))
    complete = sum(1 for d in rows if d >= len(ITEM_NUMBERS))
    summary = _("%(c)s of %(n)s student archives are complete (all %(items)s items); on average %(avg)s items.") % {
        "c": complete, "n": len(rows), "items": len(ITEM_NUMBERS),
        "avg": (Decimal(sum(rows)) / len(rows)).quantize(Decimal("0.1"))}
    return Evidence(summary, link, _half_down(Decimal(3) * complete / len(rows)),
                    _("3 points times the share of complete student archives, rounded down to half a point."))


evidence.register("2.1", school_archive)
evidence.register("2.2", student_archives)
