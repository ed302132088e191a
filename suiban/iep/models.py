"""Individual education (IEP-1..IEP-8): plans with baseline, team meeting and goals, their versions, reviews
and the guardian's answer; tutoring and compensatory-training sessions with corrections and the weekly
summary; term evaluations, peer support and aids.

Scope lives on the row (ARCHITECTURE §4): plans, sessions, evaluations, peer support and aids carry
``school`` and ``region_path``; goals, reviews and attendance rows reach them through their plan / session.
``visible_to`` is the core rule with two additions (``IepQuerySet``): a guardian (a student grant) sees only
what ``GUARDIAN_FILTER`` allows — for plans, goals and reviews: the plan *in force*, never a draft — and a
model whose class/student lookups cross a many-valued relation (a group session) is filtered through
``pk IN (…)`` so that a row never comes back twice.
"""

import json

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from suiban.core.crypto import EncryptedTextField
from suiban.core.models import AppendOnlyQuerySet, VersionedModel
from suiban.core.permissions import SCOPE_STUDENT
from suiban.core.scoping import ScopedQuerySet, grants_for, scope_q

PLAN_STATES = [("draft", _("Draft")), ("in_review", _("In review")), ("in_force", _("In force")),
               ("closed", pgettext_lazy("plan state", "Closed"))]
# IEP-3 (GD §26): culture knowledge and, in particular, safety, daily living, labour, mental health, sport/arts;
# "compensatory" goals name one of the policy's compensatory_training_kinds (IEP-4) in ``training_kind``.
DOMAINS = [
    ("culture_knowledge", _("Culture knowledge")), ("safety", _("Public safety")),
    ("daily_living", _("Daily living")), ("labour_skills", _("Labour skills")),
    ("mental_health", _("Mental health")), ("sport_arts", _("Sport and arts")),
    ("compensatory", _("Compensatory training")),
]
MEASUREMENTS = [("frequency", _("Frequency")), ("duration", _("Duration")), ("work_sample", _("Work sample")),
                ("checklist", _("Checklist")), ("trials", _("Trials (correct out of n)"))]
# IEP-2 (GD §27(2), GD A6.3.2): who takes part in the team meeting.
PARTICIPANT_ROLES = [
    ("working_group", _("School inclusion working group")), ("itinerant_teacher", _("Itinerant teacher")),
    ("resource_teacher", _("Resource teacher")), ("class_teacher", _("Class teacher")),
    ("subject_teacher", _("Subject teacher")), ("therapist", _("Rehabilitation therapist")),
    ("guardian", _("Parent / guardian")), ("student", _("Student")), ("other", _("Other")),
]
ATTAINMENT = [("yes", _("Attained")), ("partly", _("Partly attained")), ("no", _("Not attained"))]
RESPONSES = [("agree", _("Agree")), ("disagree", _("Disagree")), ("agree_in_part", _("Agree in part"))]
OUTCOMES = [("delivered", _("Delivered")), ("student_absent", _("Student absent")),
            ("teacher_absent", _("Teacher absent")), ("cancelled", _("Cancelled"))]
INDIVIDUAL_TUTORING = "individual_tutoring"  # 个别辅导; the other kinds come from compensatory_training_kinds
# IEP-6 (GD §29): the seven basic dimensions of the term evaluation.
DIMENSIONS = [
    ("moral", _("Moral character (思想品德)")), ("academic", _("Academic level (学业水平)")),
    ("health", _("Physical and mental health (身心健康)")), ("arts", _("Arts (艺术素养)")),
    ("social_practice", _("Social practice (社会实践)")), ("science", _("Science knowledge (科学知识)")),
    ("life_skills", _("Life skills (生活技能)")),
]
LEVELS = [("excellent", _("Excellent")), ("good", _("Good")), ("pass", _("Pass")),
          ("developing", _("Developing (needs support)"))]
PEER_MODES = [("one_to_one", _("One to one (一对一)")), ("many_to_one", _("Many to one (多对一)"))]
AID_KINDS = [("teaching_aid", _("Teaching aid")), ("learning_tool", _("Learning tool")),
             ("assistive_device", _("Assistive device"))]

STUDENT_LOOKUPS = {"region": "region_path", "school": "school_id", "class": "student__school_class_id",
                   "student": "student_id"}


class IepQuerySet(ScopedQuerySet):
    """``visible_to`` of ``suiban.core.scoping`` plus the guardian filter and the many-valued-scope guard."""

    def visible_to(self, user, perm: str | None = None):
        model = self.model
        perm = perm or model.VIEW_PERMISSION
        guardian_filter = getattr(model, "GUARDIAN_FILTER", None)
        combined = None
        for g in grants_for(user, perm):
            q = scope_q(g, model.SCOPE_LOOKUPS)
            if q is None:
                continue
            if g.kind == SCOPE_STUDENT and guardian_filter:
                q &= Q(**guardian_filter)
            elif not q:  # Q() == everything
                return self.all()
            combined = q if combined is None else combined | q
        if combined is None:
            return self.none()
        if getattr(model, "SCOPE_MULTIVALUED", False) and _multivalued(model, combined):
            # Through a to-many relation (a session's attendances) a join would repeat rows: a subquery instead.
            # A region or school scope filters the row's own columns, so the planner can use their indexes.
            return self.filter(pk__in=model._default_manager.filter(combined).values("pk"))
        return self.filter(combined)


def _multivalued(model, q) -> bool:
    """Does the filter ``q`` follow a to-many relation of ``model``?"""
    for child in q.children:
        if isinstance(child, Q):
            if _multivalued(model, child):
                return True
            continue
        field = model._meta.get_field(child[0].split("__")[0])
        if field.one_to_many or field.many_to_many:
            return True
    return False


IepManager = models.Manager.from_queryset(IepQuerySet)


class AppendOnlyMixin:
    """History rows (events, versions, corrections, answers): written once, never changed or deleted."""

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError(f"{type(self).__name__} rows are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError(f"{type(self).__name__} rows are append-only")


# --- plans (IEP-1..IEP-3) ----------------------------------------------------------------------------------
class Plan(VersionedModel):
    """个别化教育计划: one per student per school year (IEP-1, GD §27(4)).

    ``version`` is the row version for optimistic concurrency (SEC-6); ``revision`` counts the contents that
    were in force: 0 while drafting, 1 once put in force, +1 per amendment (``PlanVersion`` keeps each one).
    """

    student = models.ForeignKey("students.Student", on_delete=models.PROTECT, related_name="iep_plans",
                                verbose_name=_("student"))
    school = models.ForeignKey("org.School", on_delete=models.PROTECT, related_name="+", verbose_name=_("school"))
    region_path = models.CharField(max_length=100, db_index=True, editable=False)
    school_year = models.ForeignKey("org.SchoolYear", on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("school year"))
    state = models.CharField(_("state"), max_length=10, choices=PLAN_STATES, default="draft")
    revision = models.PositiveIntegerField(_("revision"), default=0)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    # IEP-2 (1): the baseline collected by the class teacher or a school teacher
    baseline_collected_by = models.CharField(_("baseline collected by"), max_length=50, blank=True)
    baseline_collected_on = models.DateField(_("baseline collected on"), null=True, blank=True)
    disability_assessment = EncryptedTextField(_("disability assessment"), blank=True)
    academic_assessment = models.TextField(_("academic level assessment"), blank=True)
    social_adaptation = models.TextField(_("social adaptation assessment"), blank=True)
    family_education = EncryptedTextField(_("family education situation"), blank=True)
    support_needs = models.TextField(_("learning-support needs"), blank=True)
    # IEP-2 (2): the team meeting (working group, itinerant teacher, guardian, …), GD A6.3.2
    meeting_date = models.DateField(_("team meeting date"), null=True, blank=True)
    meeting_participants = models.JSONField(_("team meeting participants"), default=list, blank=True)
    meeting_conclusions = models.TextField(_("team meeting conclusions"), blank=True)
    # workflow stamps
    in_force_on = models.DateField(_("in force since"), null=True, blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")

    objects = IepManager()
    VIEW_PERMISSION = "iep.view"
    SCOPE_LOOKUPS = STUDENT_LOOKUPS
    GUARDIAN_FILTER = {"state": "in_force"}

    class Meta:
        ordering = ["-id"]
        verbose_name = _("individual education plan")
        verbose_name_plural = _("individual education plans")
        constraints = [
            models.UniqueConstraint(fields=["student", "school_year"], name="iep_plan_one_per_student_year"),
        ]
        indexes = [
            models.Index(fields=["school", "school_year", "state"], name="iep_plan_school_year_idx"),
            models.Index(fields=["region_path", "state"], name="iep_plan_region_state_idx"),
        ]

    def __str__(self):
        return f"{self.student.name} {self.school_year.name}"

    def policy_school(self):
        return self.school

    def audit_scope(self):
        return self.region_path, self.school_id


class Goal(models.Model):
    """A long-term goal, or a measurable short-term goal under one (IEP-3, GD §27(3)).

    A goal removed by an amendment is not deleted: ``retired_in_revision`` says from which revision on it no
    longer belongs to the plan, so earlier reviews and sessions keep pointing at it.
    """

    LONG, SHORT = "long_term", "short_term"
    KINDS = [(LONG, _("Long-term goal")), (SHORT, _("Short-term goal"))]

    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="goals")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    kind = models.CharField(_("kind"), max_length=10, choices=KINDS)
    position = models.PositiveSmallIntegerField(default=1)
    domain = models.CharField(_("domain"), max_length=20, choices=DOMAINS)
    training_kind = models.CharField(_("compensatory training kind"), max_length=30, blank=True)
    target_behaviour = models.TextField(_("target behaviour"))
    baseline = models.TextField(_("baseline"), blank=True)
    target_level = models.CharField(_("target level"), max_length=200, blank=True)
    measurement = models.CharField(_("measurement method"), max_length=12, choices=MEASUREMENTS, blank=True)
    mastery_criterion = models.CharField(_("mastery criterion"), max_length=200, blank=True)
    responsible_teacher = models.CharField(_("responsible teacher"), max_length=50, blank=True)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    measures = models.TextField(_("measures"), blank=True)
    attainment_method = models.TextField(_("method of judging attainment"), blank=True)
    created_in_revision = models.PositiveIntegerField(default=0)
    retired_in_revision = models.PositiveIntegerField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = IepManager()
    VIEW_PERMISSION = "iep.view"
    SCOPE_LOOKUPS = {"region": "plan__region_path", "school": "plan__school_id",
                     "class": "plan__student__school_class_id", "student": "plan__student_id"}
    GUARDIAN_FILTER = {"plan__state": "in_force"}

    class Meta:
        ordering = ["plan_id", "position", "id"]
        verbose_name = _("goal")
        verbose_name_plural = _("goals")
        indexes = [models.Index(fields=["plan", "retired_in_revision"], name="iep_goal_plan_active_idx")]

    def __str__(self):
        return self.target_behaviour[:60]

    @property
    def active(self) -> bool:
        return self.retired_in_revision is None

    def audit_scope(self):
        return self.plan.region_path, self.plan.school_id


class PlanEvent(AppendOnlyMixin, models.Model):
    """The plan's timeline: state changes, reviewers' comments, amendments, the guardian's answers."""

    KINDS = [("transition", _("State change")), ("comment", _("Comment")), ("amendment", _("Amendment")),
             ("response", _("Guardian's answer"))]
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=12, choices=KINDS)
    at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    from_state = models.CharField(max_length=10, blank=True)
    to_state = models.CharField(max_length=10)
    note = models.TextField(blank=True)

    objects = models.Manager.from_queryset(AppendOnlyQuerySet)()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.plan_id} {self.kind} {self.from_state}→{self.to_state}"


class PlanVersion(AppendOnlyMixin, models.Model):
    """The full contents (plan + goals, JSON) of every revision that was in force (IEP-2 (4), IEP-3).

    Stored encrypted like the baseline it contains (disability assessment, family situation; SEC-4)."""

    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    snapshot_json = EncryptedTextField()
    reason = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = models.Manager.from_queryset(AppendOnlyQuerySet)()

    class Meta:
        ordering = ["plan_id", "number"]
        constraints = [models.UniqueConstraint(fields=["plan", "number"], name="iep_version_unique_number")]

    def __str__(self):
        return f"{self.plan} #{self.number}"

    @property
    def snapshot(self) -> dict:
        return json.loads(self.snapshot_json or "{}")


class PlanResponse(AppendOnlyMixin, models.Model):
    """The guardian's answer to the plan in force (agree / disagree / agree in part), with the time."""

    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="responses")
    revision = models.PositiveIntegerField()
    answer = models.CharField(_("answer"), max_length=15, choices=RESPONSES)
    comment = models.TextField(_("comment"), blank=True)
    responded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT,
                                     related_name="+")
    responded_at = models.DateTimeField(auto_now_add=True)

    objects = models.Manager.from_queryset(AppendOnlyQuerySet)()

    class Meta:
        ordering = ["plan_id", "responded_at", "id"]

    def __str__(self):
        return f"{self.plan} {self.get_answer_display()}"


class Review(models.Model):
    """A periodic review of the plan's implementation with the attainment of each goal (IEP-2 (4), IEP-3)."""

    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="reviews")
    revision = models.PositiveIntegerField()
    review_date = models.DateField(_("review date"))
    evidence = models.TextField(_("evidence"))
    summary = models.TextField(_("summary"), blank=True)
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = IepManager()
    VIEW_PERMISSION = "iep.view"
    SCOPE_LOOKUPS = Goal.SCOPE_LOOKUPS
    GUARDIAN_FILTER = {"plan__state": "in_force"}

    class Meta:
        ordering = ["plan_id", "review_date", "id"]
        indexes = [models.Index(fields=["plan", "review_date"], name="iep_review_plan_date_idx")]

    def __str__(self):
        return f"{self.plan} {self.review_date:%Y-%m-%d}"

    def audit_scope(self):
        return self.plan.region_path, self.plan.school_id


class GoalAttainment(models.Model):
    review = models.ForeignKey(Review, on_delete=models.PROTECT, related_name="attainments")
    goal = models.ForeignKey(Goal, on_delete=models.PROTECT, related_name="attainments")
    attained = models.CharField(_("attained"), max_length=6, choices=ATTAINMENT)
    level_reached = models.CharField(_("level reached"), max_length=200, blank=True)
    percentage = models.DecimalField(_("percentage"), max_digits=4, decimal_places=1, null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["review_id", "goal_id"]
        constraints = [models.UniqueConstraint(fields=["review", "goal"], name="iep_attainment_once_per_review")]

    def __str__(self):
        return f"{self.review_id} {self.goal_id} {self.attained}"


# --- sessions (IEP-4, IEP-5) -------------------------------------------------------------------------------
class Session(VersionedModel):
    """One individual tutoring or compensatory-training session, entered once even for a group (IEP-5).

    The row holds the *effective* values; ``original`` the values as first logged, and ``SessionCorrection``
    every later change with who, when and why. Only the session service writes here.
    """

    school = models.ForeignKey("org.School", on_delete=models.PROTECT, related_name="+", verbose_name=_("school"))
    region_path = models.CharField(max_length=100, db_index=True, editable=False)
    date = models.DateField(pgettext_lazy("session", "date"))
    hours = models.DecimalField(_("class hours"), max_digits=4, decimal_places=2)
    kind = models.CharField(_("kind"), max_length=30)
    teacher_name = models.CharField(_("teacher"), max_length=50)
    outcome = models.CharField(_("outcome"), max_length=15, choices=OUTCOMES, default="delivered")
    cancel_reason = models.TextField(_("reason for the cancellation"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    goals = models.ManyToManyField(Goal, blank=True, related_name="sessions", verbose_name=_("goals"))
    is_group = models.BooleanField(default=False)
    client_ref = models.CharField(_("client reference"), max_length=64, blank=True)
    original = models.JSONField(default=dict, editable=False)
    logged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")

    objects = IepManager()
    VIEW_PERMISSION = "iep.records"
    SCOPE_LOOKUPS = {"region": "region_path", "school": "school_id", "class": "attendances__student__school_class_id",
                     "student": "attendances__student_id"}
    SCOPE_MULTIVALUED = True

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        indexes = [models.Index(fields=["school", "date"], name="iep_session_school_date_idx"),
                   # newest-first lists of a region or the province walk this index (no sort of millions of rows)
                   models.Index(fields=["date", "id"], name="iep_session_date_id_idx"),
                   models.Index(fields=["region_path", "date", "id"], name="iep_session_region_date_idx"),
                   # the sortable columns of the session list: a school's sessions in that order, the province's
                   models.Index(fields=["school", "hours", "date", "id"], name="iep_session_school_hours_idx"),
                   models.Index(fields=["school", "kind", "date", "id"], name="iep_session_school_kind_idx"),
                   models.Index(fields=["school", "outcome", "date", "id"], name="iep_session_school_outc_idx"),
                   models.Index(fields=["hours", "date", "id"], name="iep_session_hours_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(hours__gt=0) & Q(hours__lte=8), name="iep_session_hours_range"),
            models.UniqueConstraint(fields=["school", "client_ref"], condition=~Q(client_ref=""),
                                    name="iep_session_unique_client_ref"),
        ]

    def __str__(self):
        # The kind in words: individual tutoring, or the compensatory kind's own (Chinese) name.
        kind = _("individual tutoring") if self.kind == INDIVIDUAL_TUTORING else self.kind
        return f"{self.date:%Y-%m-%d} {kind} {self.hours:g}"

    def policy_school(self):
        return self.school

    def audit_scope(self):
        return self.region_path, self.school_id


class SessionAttendance(models.Model):
    """A student in a session (one row per student; a group session has several). ``date`` is the session's,
    copied so that "this student's sessions in these weeks" is one range scan of the (student, date) index.
    ``absent``: this student missed a group session that was delivered to the others (not counted for them)."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="attendances")
    student = models.ForeignKey("students.Student", on_delete=models.PROTECT, related_name="iep_attendances")
    date = models.DateField()
    # IEP-5: a student absent from a group session that took place; the session counts for the others only.
    absent = models.BooleanField(_("absent"), default=False, db_default=False)

    class Meta:
        ordering = ["session_id", "student_id"]
        constraints = [models.UniqueConstraint(fields=["session", "student"], name="iep_attendance_once")]
        indexes = [models.Index(fields=["student", "date"], name="iep_attendance_student_date")]

    def __str__(self):
        return f"{self.session_id} {self.student_id}"


class SessionCorrection(AppendOnlyMixin, models.Model):
    """A recorded correction of a saved session: the values before and after, who, when and why (IEP-5)."""

    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="corrections")
    number = models.PositiveIntegerField()
    reason = models.TextField(_("reason"))
    before = models.JSONField()
    after = models.JSONField()
    corrected_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT,
                                     related_name="+")
    corrected_at = models.DateTimeField(auto_now_add=True)

    objects = models.Manager.from_queryset(AppendOnlyQuerySet)()

    class Meta:
        ordering = ["session_id", "number"]
        constraints = [models.UniqueConstraint(fields=["session", "number"], name="iep_correction_unique_number")]

    def __str__(self):
        return f"{self.session_id} #{self.number}"


class WeeklyHours(models.Model):
    """Delivered class hours per student per week (Monday), kept by the session service (IEP-5).

    A derived table: every log or correction recomputes the rows of the (student, week) pairs it touched from
    the sessions themselves, in the same transaction, after locking the students' rows; ``rebuild`` (and the
    ``rebuild_weekly_hours`` command) recompute any range from scratch. See ``suiban.iep.sessions``.
    """

    student = models.ForeignKey("students.Student", on_delete=models.CASCADE, related_name="iep_weekly_hours")
    week_start = models.DateField()
    delivered_hours = models.DecimalField(max_digits=6, decimal_places=2, default=0)
    delivered_sessions = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["student_id", "week_start"]
        constraints = [models.UniqueConstraint(fields=["student", "week_start"], name="iep_weekly_unique")]
        # A week's rows with their hours, read from the index alone (IEP-5: the below-minimum list joins a whole
        # region's students to one week).
        indexes = [models.Index(fields=["week_start", "student", "delivered_hours"],
                                name="iep_weekly_week_student_idx")]

    def __str__(self):
        return f"{self.student_id} {self.week_start} {self.delivered_hours}"


# --- evaluation, peer support, aids (IEP-6..IEP-8) ---------------------------------------------------------
class StudentRecord(VersionedModel):
    """A record about one student kept by the school (evaluation, peer support, aid): scoped like the student
    (``school``, ``region_path`` on the row) and read with ``iep.records`` — not by the guardian."""

    objects = IepManager()
    VIEW_PERMISSION = "iep.records"
    SCOPE_LOOKUPS = STUDENT_LOOKUPS

    class Meta:
        abstract = True

    def audit_scope(self):
        return self.region_path, self.school_id


class Evaluation(StudentRecord):
    """The term evaluation on the seven GD §29 dimensions, against the student's adjusted goals (IEP-6)."""

    student = models.ForeignKey("students.Student", on_delete=models.PROTECT, related_name="iep_evaluations")
    school = models.ForeignKey("org.School", on_delete=models.PROTECT, related_name="+")
    region_path = models.CharField(max_length=100, db_index=True, editable=False)
    term = models.ForeignKey("org.Term", on_delete=models.PROTECT, related_name="+", verbose_name=_("term"))
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="evaluations")
    evaluated_on = models.DateField(_("evaluated on"))
    evaluator_name = models.CharField(_("evaluated by"), max_length=50)
    summary = models.TextField(_("overall comment"), blank=True)
    # GD §29: the evaluation puts the emphasis on social adaptation, compensation and correction, and labour skills.
    social_adaptation = models.TextField(_("social adaptation"), blank=True)
    compensation = models.TextField(_("compensation and correction of the disability"), blank=True)
    labour_skills = models.TextField(_("labour skills"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")


    class Meta:
        ordering = ["-evaluated_on", "-id"]
        # Newest first over a province (~10⁵ rows): the list reads its first page from this index.
        indexes = [models.Index(fields=["-evaluated_on", "-id"], name="iep_evaluation_newest_idx")]
        verbose_name = _("term evaluation")
        verbose_name_plural = _("term evaluations")
        constraints = [models.UniqueConstraint(fields=["student", "term"], name="iep_evaluation_once_per_term")]

    def __str__(self):
        return f"{self.student.name} {self.term.school_year.name} {self.term.get_number_display()}"


class EvaluationScore(models.Model):
    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="scores")
    dimension = models.CharField(_("dimension"), max_length=20, choices=DIMENSIONS)
    level = models.CharField(pgettext_lazy("evaluation", "level"), max_length=12, choices=LEVELS)
    comment = models.TextField(_("comment"))

    class Meta:
        ordering = ["evaluation_id", "id"]
        constraints = [models.UniqueConstraint(fields=["evaluation", "dimension"], name="iep_score_once")]

    def __str__(self):
        return f"{self.evaluation_id} {self.dimension} {self.level}"


class PeerSupport(StudentRecord):
    """Classmates assigned to support a student, one to one or many to one, for a period (IEP-7, GD §23).

    ``peers`` is a list of ``{"name", "student_id"}``: classmates are usually ordinary pupils (not on this
    register), so a name is enough; ``student_id`` links one who is."""

    student = models.ForeignKey("students.Student", on_delete=models.PROTECT, related_name="iep_peer_support")
    school = models.ForeignKey("org.School", on_delete=models.PROTECT, related_name="+")
    region_path = models.CharField(max_length=100, db_index=True, editable=False)
    mode = models.CharField(_("mode"), max_length=12, choices=PEER_MODES)
    peers = models.JSONField(_("peers"), default=list)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(pgettext_lazy("period", "until"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")


    class Meta:
        ordering = ["-starts_on", "-id"]
        # Newest first over a province (~10⁵ rows): the list reads its first page from this index.
        indexes = [models.Index(fields=["-starts_on", "-id"], name="iep_peer_newest_idx")]
        verbose_name = _("peer support")
        verbose_name_plural = _("peer support")

    def __str__(self):
        return f"{self.student.name} {self.get_mode_display()}"


class AidIssue(StudentRecord):
    """A teaching aid, learning tool or assistive device issued to a student (IEP-8, GD §24–25, A4.6)."""

    student = models.ForeignKey("students.Student", on_delete=models.PROTECT, related_name="iep_aids")
    school = models.ForeignKey("org.School", on_delete=models.PROTECT, related_name="+")
    region_path = models.CharField(max_length=100, db_index=True, editable=False)
    item = models.CharField(_("item"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=AID_KINDS)
    issued_on = models.DateField(_("issued on"))
    returned_on = models.DateField(_("returned on"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")


    class Meta:
        ordering = ["-issued_on", "-id"]
        # Newest first over a province (~10⁵ rows): the list reads its first page from this index.
        indexes = [models.Index(fields=["-issued_on", "-id"], name="iep_aid_newest_idx")]
        verbose_name = _("aid issued")
        verbose_name_plural = _("aids issued")

    def __str__(self):
        return self.item
