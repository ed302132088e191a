"""Helpers of the individual-education tests (payloads, calendar)."""

from datetime import timedelta

from django.utils import timezone

from suiban.iep import services
from suiban.org.models import SchoolYear


def goal_tree(start, end):
    return [{
        "domain": "daily_living", "target_behaviour": "能独立整理书包",
        "start_date": str(start), "end_date": str(end), "measures": "任务分解、图片提示",
        "attainment_method": "每周检核表",
        "short_term": [{
            "target_behaviour": "能按课表放入当天课本", "baseline": "需要成人全程提示",
            "target_level": "独立完成", "measurement": "checklist", "mastery_criterion": "连续 5 天正确",
            "responsible_teacher": "李梅", "start_date": str(start), "end_date": str(end),
            "measures": "课表卡片", "attainment_method": "检核表"}],
    }]


def complete_payload(student, sy: SchoolYear, **extra) -> dict:
    """Everything IEP-2 asks for before review: baseline, team meeting, goals."""
    meeting = min(sy.start_date + timedelta(days=10), timezone.localdate())
    return {
        "student_id": student.pk, "school_year": sy.name, "start_date": str(sy.start_date),
        "end_date": str(sy.end_date), "baseline_collected_by": "张悦", "baseline_collected_on": str(meeting),
        "disability_assessment": "轻度智力障碍", "academic_assessment": "语文一年级水平",
        "social_adaptation": "能遵守课堂常规", "family_education": "母亲陪伴学习",
        "support_needs": "个别辅导与同伴互助", "meeting_date": str(meeting),
        "meeting_participants": [{"name": "王志强", "role": "working_group"},
                                 {"name": "黄丽娟", "role": "itinerant_teacher"},
                                 {"name": "家长", "role": "guardian"}],
        "meeting_conclusions": "以生活自理为重点。", "goals": goal_tree(sy.start_date, sy.end_date), **extra,
    }


def full_weeks(term):
    """Mondays of the term's weeks that have all five school days inside the term."""
    from suiban.iep.selectors import term_weeks

    return [monday for monday, days in term_weeks(term) if days == 5]


def force_plan(plan_id, *, on, actor):
    """Walk a complete draft into force on a given date through the service (for calendar tests)."""
    from suiban.iep.models import Plan

    p = Plan.objects.get(pk=plan_id)
    p = services.transition(actor=actor, plan=p, to="in_review", on=on)
    return services.transition(actor=actor, plan=p, to="in_force", on=on)
