"""Every policy parameter (⚙ in REQUIREMENTS.md), declared once: name, type, default,
the rule it serves and the clause it comes from (ARCHITECTURE §5)."""

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

INT, NUMBER, BOOL, STR, MONTH_DAY, STR_LIST = "int", "number", "bool", "str", "month_day", "str_list"


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    default: object
    rule: str
    source: str
    label: object
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple = field(default_factory=tuple)


PARAMS: dict[str, Param] = {}


def _p(name, type_, default, rule, source, label, **kw):
    PARAMS[name] = Param(name, type_, default, rule, source, label, **kw)


# ORG-2 — school calendar: neither source document fixes the dates of the school year (GD §13–14 speak of "the
# end of a term" and "the new school year" only), so these are the product's defaults, set per province or
# district where its education calendar differs; the calendar of a school resolves along its region
# (``suiban.org.calendar``).
CALENDAR_SOURCE = "产品默认值（两份文件均未规定学年和学期的起止日期，按本地校历设置）"
CALENDAR_PARAMS = ("school_year_start", "term1_end", "term2_start", "term2_end")
_p("school_year_start", MONTH_DAY, "09-01", "ORG-2", CALENDAR_SOURCE,
   _("School year starts on (product default: neither source document gives the date)"))
_p("term1_end", MONTH_DAY, "01-20", "ORG-2", CALENDAR_SOURCE,
   _("First term ends on (product default: neither source document gives the date)"))
_p("term2_start", MONTH_DAY, "02-20", "ORG-2", CALENDAR_SOURCE,
   _("Second term starts on (product default: neither source document gives the date)"))
_p("term2_end", MONTH_DAY, "07-10", "ORG-2", CALENDAR_SOURCE,
   _("Second term ends on (product default: neither source document gives the date)"))
# PL-1 — disability certificate
_p("certificate_validity_years", INT, 10, "PL-1", "第二代残疾人证", _("Disability certificate valid for (years)"),
   minimum=1, maximum=50)
_p("certificate_warning_days", INT, 90, "PL-1", "第二代残疾人证", _("Warn before certificate expiry (days)"),
   minimum=0, maximum=730)
# PL-4 — class placement
_p("class_advised_max", INT, 2, "PL-4", "GD §12", _("Advised students in inclusion per class"), minimum=0)
_p("class_hard_max", INT, 3, "PL-4", "GD §12", _("Maximum students in inclusion per class"), minimum=1)
# PL-5 — identification timing
_p("identification_processing_start", MONTH_DAY, "07-11", "PL-5", "GD §14",
   _("Identification processing starts (summer holiday)"))
_p("identification_processing_end", MONTH_DAY, "08-31", "PL-5", "GD §14",
   _("Identification processing ends (summer holiday)"))
# PL-10 — dropout prevention
_p("dropout_inactivity_weeks", INT, 4, "PL-10", "GD §18", _("Weeks without records before dropout risk"),
   minimum=1, maximum=52)
# PL-11 — leaving outcomes
_p("attendance_certificate_age", INT, 18, "PL-11", "GD §19", _("Age at which an attendance certificate is issued"),
   minimum=14, maximum=25)
# IEP-3/4/5 — individual education
_p("iep_review_interval_weeks", INT, 8, "IEP-3", "GD §27(4)", _("Weeks between IEP reviews"), minimum=1)
_p("compensatory_training_kinds", STR_LIST,
   ["感统训练", "沟通训练", "情绪行为训练", "社交能力训练", "粗大动作训练", "精细动作训练", "物理治疗",
    "劳动技能训练", "生活自理能力训练"], "IEP-4", "GD §28", _("Kinds of compensatory training"))
_p("tutoring_min_hours_per_week", NUMBER, 3, "IEP-5", "GD §28", _("Minimum tutoring class hours per week"),
   minimum=0)
# HB-1 — home-delivered education eligibility
_p("homebound_hukou_in_district", BOOL, True, "HB-1", "HC §3.1",
   _("Home delivery requires local household registration"))
_p("homebound_min_age", INT, 6, "HB-1", "HC §3.1", _("Home delivery minimum age"), minimum=0, maximum=25)
_p("homebound_max_age", INT, 15, "HB-1", "HC §3.1", _("Home delivery maximum age"), minimum=0, maximum=25)
_p("homebound_certifiers", STR_LIST, ["dpf", "hospital", "committee"], "HB-1", "HC §3.1",
   _("Bodies whose certification qualifies for home delivery"))
_p("homebound_max_disability_grade", INT, 2, "HB-1", "HC §3.1",
   _("Most lenient disability grade counted as severe"), minimum=1, maximum=4)
# HB-4 — home-delivered education volume
_p("teachers_per_visit", INT, 2, "HB-4", "HC §3.4", _("Teachers per home visit"), minimum=1)
_p("homebound_visits_per_week", INT, 2, "HB-4", "HC §3.4", _("Home visits per week"), minimum=0)
_p("homebound_hours_per_visit", NUMBER, 3, "HB-4", "HC §3.4", _("Class hours per home visit"), minimum=0)
_p("homebound_hours_per_year", NUMBER, 240, "HB-4", "HC §3.4", _("Home-delivery class hours per year"), minimum=0)
_p("homebound_holiday_visits_count", BOOL, True, "HB-8", "HC §3.3–3.4",
   _("Home visits in the holidays count towards the yearly hours"))
# HB-7 — subsidy
_p("homebound_subsidy_per_teacher_visit", NUMBER, 60, "HB-7", "HC §3.7",
   _("Transport and meal subsidy per teacher per visit (yuan)"), minimum=0)
# ST-1 — resource-teacher pool
_p("pool_filing_deadline", MONTH_DAY, "09-01", "ST-1", "HC §2.1", _("Resource-teacher pool filing deadline"))
# ST-7 — training tiers: neither GD §33 nor HC §2.2 gives a number of hours, so this is the product's default
_p("training_hours_per_year", NUMBER, 24, "ST-7", "产品默认值（两份文件均未规定每年培训学时数）",
   _("Special-education training hours expected per teacher per year (product default: neither source document "
     "gives a number)"), minimum=0)
# ST-4 — resource-room staffing
_p("students_per_resource_teacher", INT, 15, "ST-4", "GD §45",
   _("Students in inclusion per full-time resource teacher"), minimum=1)
_p("part_time_min_share", NUMBER, 0.6667, "ST-4", "GD §45",
   _("Minimum resource-room share of a part-time resource teacher's workload"), minimum=0, maximum=1)
# ST-5 — incentives
_p("excellent_nominees_per_school", INT, 1, "ST-5", "HC §2.3", _("Excellent-worker nominees per school"), minimum=0)
_p("resource_teacher_pay_uplift", NUMBER, 0.15, "ST-5", "HC §2.3 (厦教发〔2021〕108号)",
   _("Performance-pay uplift for full-time resource teachers"), minimum=0, maximum=1)
# FN-1/FN-2 — funds
_p("fund_expense_categories", STR_LIST,
   ["teaching_aids", "purchased_courses", "transport_subsidy", "professional_services", "teacher_training"],
   "FN-1", "HC §4.1", _("Allowed expense categories of per-pupil funds"))
_p("fund_income_sources", STR_LIST,
   ["city_subsidy", "district_subsidy", "school_budget", "per_pupil_funds", "resource_room_special"],
   "FN-2", "HC §4.2", _("Income sources of the funds ledger"))
_p("fund_special_categories", STR_LIST,
   ["teaching_aids", "purchased_courses", "professional_services", "teacher_training", "materials_equipment"],
   "FN-3", "HC 附件1 item 3", _("Allowed expense categories of resource-room special funds"))
_p("fund_budget_categories", STR_LIST,
   ["room_construction", "room_maintenance", "room_running"],
   "FN-4", "GD §47", _("Resource-room budget categories of the school's annual budget"))
_p("fund_over_budget", STR, "refuse", "FN-2", "HC §4.2",
   _("An expense beyond the budget is refused or flagged"), choices=("refuse", "flag"))
# RR — resource rooms
_p("resource_room_min_students", INT, 5, "RR-1", "GD §44", _("Students in inclusion that call for a resource room"),
   minimum=1)
_p("resource_room_min_area", NUMBER, 60, "RR-2", "HC 附件1 4.2", _("Minimum resource-room area (m²)"), minimum=0)
_p("assessment_cycle_years", INT, 2, "RR-4", "HC §5", _("Resource-room assessment cycle (years)"),
   minimum=1, maximum=5)
_p("assessment_level", STR, "district", "RR-8", "HC §5 / 附件3",
   _("Level that assesses resource rooms (district or city)"), choices=("district", "city"))
_p("rectification_days", INT, 60, "RR-6", "HC §5.3.3", _("Days an unqualified school has to rectify"),
   minimum=1, maximum=365)
_p("grade_exemplary_min", NUMBER, 90, "RR-5", "HC §5.3.3", _("Score for an exemplary school"),
   minimum=0, maximum=100)
_p("grade_qualified_min", NUMBER, 75, "RR-5", "HC §5.3.3", _("Score for a qualified school"),
   minimum=0, maximum=100)
# SEC-1/SEC-3 — security
_p("password_max_age_days", INT, 90, "SEC-1", "GB/T 22239-2019", _("Staff password change interval (days)"),
   minimum=0)
_p("lockout_attempts", INT, 5, "SEC-1", "GB/T 22239-2019", _("Failed logins before lock"), minimum=1)
_p("lockout_minutes", INT, 5, "SEC-1", "GB/T 22239-2019", _("Lock duration (minutes)"), minimum=1)
_p("session_idle_minutes", INT, 30, "SEC-1", "GB/T 22239-2019", _("Idle session timeout (minutes)"),
   minimum=2, maximum=720)
_p("audit_retention_days", INT, 1095, "SEC-3", "网络安全法 §21; PIPL §56", _("Audit log retention (days)"),
   minimum=183)
_p("otp_required_for_admins", BOOL, False, "SEC-1", "GB/T 22239-2019 8.1.4.1",
   _("Second factor (authenticator code) required for administrators and bureau officers"))

# Security parameters apply to the whole installation (accounts belong to no region): they are set system-wide
# or in the profile, never overridden for one region or school (an override there could not be enforced).
INSTALLATION_WIDE = frozenset({"password_max_age_days", "lockout_attempts", "lockout_minutes",
                               "session_idle_minutes", "audit_retention_days", "otp_required_for_admins"})


def coerce(param: Param, value):
    """Check ``value`` against the parameter's type; return it or raise ValueError with a reason."""
    import re

    t = param.type
    if t == INT:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"expected an integer, got {value!r}")
    elif t == NUMBER:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"expected a number, got {value!r}")
    elif t == BOOL:
        if not isinstance(value, bool):
            raise ValueError(f"expected true or false, got {value!r}")
    elif t == STR:
        if not isinstance(value, str):
            raise ValueError(f"expected text, got {value!r}")
    elif t == MONTH_DAY:
        if not isinstance(value, str) or not re.fullmatch(r"(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])", value):
            raise ValueError(f"expected a date as MM-DD, got {value!r}")
    elif t == STR_LIST:
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise ValueError(f"expected a list of texts, got {value!r}")
    if param.choices and value not in param.choices:
        raise ValueError(f"must be one of {list(param.choices)}, got {value!r}")
    if param.minimum is not None and t in (INT, NUMBER) and value < param.minimum:
        raise ValueError(f"must be at least {param.minimum}, got {value!r}")
    if param.maximum is not None and t in (INT, NUMBER) and value > param.maximum:
        raise ValueError(f"must be at most {param.maximum}, got {value!r}")
    return value
