"""Home-delivered education, 送教上门 (HB-1..HB-8).

* ``Enrolment`` — one per homebound student per school year at the responsible school (HB-1, HB-8): the
  eligibility confirmations, the state (draft → active → ended), and the denormalised year figures the district
  list reads (hours and visits delivered, kept by the visit service in the writing transaction).
* ``PlanVersion`` — the enrolment's plan (teachers from the school's filed pool, weekly visits, hours per visit,
  curriculum): versioned with effective dates; each week is judged against the version in force then (HB-2..HB-4).
* ``Visit`` — one record per visit in the layout of HC 附件5 (HB-4..HB-6) with its teachers (``VisitTeacher``:
  each confirms or disowns their presence on the same record), attachments and corrections; a delivered visit
  posts its subsidy to the funds ledger (HB-7).
* ``VisitWeek`` — per enrolment per week (Monday): visits, hours, short and missed visits, the weekly requirement
  of the plan version in force and whether it was met; recomputed from the visits in the writing transaction.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from suiban.core.models import VersionedModel
from suiban.core.scoping import ScopedManager

CRITERIA = ("hukou_in_district", "certified", "cannot_attend_school", "able_to_learn", "age", "severe_disability")
CRITERION_LABELS = {
    "hukou_in_district": _("Household registration in the district"),
    "certified": _("Certified by the disabled persons' federation, a hospital or the expert committee"),
    "cannot_attend_school": _("Unable to attend a special or ordinary school"),
    "able_to_learn": _("Basically able to receive education"),
    "age": _("Age within the range of compulsory education"),
    "severe_disability": _("Severe disability"),
}
REHAB_AREAS = [("perception", _("Perception")), ("motor", _("Motor skills")), ("language", _("Language"))]
MISS_REASONS = [
    ("family_absent", _("Family not at home")),
    ("child_ill", _("Child ill")),
    ("teacher_absent", _("Teacher absent")),
    ("holiday", _("Holiday")),
]


class AppendOnly:
    """History rows: written once, never changed or deleted."""

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError(f"{type(self).__name__} rows are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError(f"{type(self).__name__} rows are append-only")


def upload_to(instance, filename):
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"homebound/{instance.folder()}/{uuid.uuid4().hex}.{ext}"


class Enrolment(VersionedModel):
    DRAFT, ACTIVE, ENDED = "draft", "active", "ended"
    STATE_CHOICES = [(DRAFT, _("Draft")), (ACTIVE, _("Delivering")), (ENDED, _("Ended"))]

    student = models.ForeignKey("students.Student", on_delete=models.PROTECT, related_name="homebound_enrolments",
                                verbose_name=_("student"))
    school = models.ForeignKey("org.School", on_delete=models.PROTECT, related_name="homebound_enrolments",
                               verbose_name=_("responsible school"))
    region_path = models.CharField(max_length=100, db_index=True, editable=False)
    school_year = models.ForeignKey("org.SchoolYear", on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("school year"))
    state = models.CharField(_("state"), max_length=10, choices=STATE_CHOICES, default=DRAFT)
    # HB-8: a special school or the resource centre may be the one delivering.
    delivering_school = models.ForeignKey("org.School", null=True, blank=True, on_delete=models.PROTECT,
                                          related_name="+", verbose_name=_("delivering school"))
    delivering_centre = models.ForeignKey("org.ResourceCentre", null=True, blank=True, on_delete=models.PROTECT,
                                          related_name="+", verbose_name=_("delivering resource centre"))
    place = models.CharField(_("usual place of the visits"), max_length=200, blank=True)
    # HB-1: {criterion: {"met": bool, "evidence": str, "by": username, "at": iso}} as confirmed by people.
    confirmations = models.JSONField(default=dict, blank=True)
    start_date = models.DateField(_("start date"), null=True, blank=True)
    activated_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(_("reason for ending"), max_length=200, blank=True)
    # Year figures kept by the visit service in the writing transaction (the district list reads them).
    hours_delivered = models.DecimalField(max_digits=7, decimal_places=2, default=0)
    visits_delivered = models.PositiveIntegerField(default=0)
    required_year = models.DecimalField(max_digits=7, decimal_places=2, default=0)
    teacher_names = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")

    objects = ScopedManager()
    VIEW_PERMISSION = "homebound.view"
    SCOPE_LOOKUPS = {"region": "region_path", "school": "school_id", "class": "student__school_class_id",
                     "student": "student_id"}

    class Meta:
        ordering = ["-school_year__start_year", "school_id", "id"]
        verbose_name = _("home-delivery enrolment")
        verbose_name_plural = _("home-delivery enrolments")
        constraints = [models.UniqueConstraint(fields=["student", "school_year"],
                                               name="homebound_one_enrolment_per_year")]
        indexes = [models.Index(fields=["school_year", "state", "region_path"], name="hb_enrol_year_state_idx")]

    def __str__(self):
        return f"{self.student.name} {self.school_year.name}"

    def audit_scope(self):
        return self.region_path, self.school_id


class PlanVersion(AppendOnly, models.Model):
    """The enrolment's plan from ``effective_from`` on, until the next version (HB-2..HB-4)."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="plan_versions")
    number = models.PositiveIntegerField()
    effective_from = models.DateField(_("effective from"))
    teacher_ids = models.JSONField(default=list)  # StaffMember ids from the school's filed pool
    visits_per_week = models.PositiveSmallIntegerField(_("visits per week"))
    hours_per_visit = models.DecimalField(_("class hours per visit"), max_digits=4, decimal_places=2)
    teaching = models.TextField(_("teaching part"), blank=True)
    rehabilitation = models.TextField(_("rehabilitation part"), blank=True)
    rehab_areas = models.JSONField(default=list, blank=True)  # perception / motor / language
    rehab_provider = models.CharField(_("purchased rehabilitation service provider"), max_length=200, blank=True)
    goals = models.TextField(_("goals of the visits"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["enrolment_id", "effective_from", "number"]
        constraints = [models.UniqueConstraint(fields=["enrolment", "number"], name="hb_plan_version_unique")]

    def __str__(self):
        return f"{self.enrolment_id} v{self.number}"


class EnrolmentDocument(models.Model):
    """An uploaded document that evidences an eligibility criterion (HB-1, HB-6)."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="documents")
    criterion = models.CharField(max_length=30, blank=True)
    name = models.CharField(max_length=200)
    file = models.FileField(upload_to=upload_to)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return self.name

    def folder(self):
        return f"enrolment-{self.enrolment_id}"


class Visit(VersionedModel):
    DELIVERED, MISSED, CANCELLED = "delivered", "missed", "cancelled"
    STATUS_CHOICES = [(DELIVERED, _("Visit delivered")), (MISSED, _("Visit missed")),
                      (CANCELLED, _("Visit cancelled"))]
    ONSITE, REMOTE = "onsite", "remote"
    MODE_CHOICES = [(ONSITE, _("On site")), (REMOTE, _("Remote"))]

    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="visits")
    student = models.ForeignKey("students.Student", on_delete=models.PROTECT, related_name="homebound_visits")
    school = models.ForeignKey("org.School", on_delete=models.PROTECT, related_name="+")
    region_path = models.CharField(max_length=100, db_index=True, editable=False)
    date = models.DateField(_("visit date"))
    start_time = models.TimeField(_("start time"), null=True, blank=True)
    end_time = models.TimeField(_("end time"), null=True, blank=True)
    hours = models.DecimalField(_("class hours"), max_digits=4, decimal_places=2, default=0)
    short = models.BooleanField(default=False)  # delivered but below the per-visit minimum (kept, flagged)
    place = models.CharField(_("place"), max_length=200, blank=True)
    mode = models.CharField(_("mode"), max_length=10, choices=MODE_CHOICES, default=ONSITE)
    online = models.BooleanField(_("online"), default=False)
    notes = models.TextField(_("visit notes"), blank=True)
    guardian_training = models.BooleanField(_("guardian training given"), default=False)
    status = models.CharField(pgettext_lazy("home visit", "status"), max_length=10, choices=STATUS_CHOICES,
                              default=DELIVERED)
    reason = models.CharField(_("reason"), max_length=20, choices=MISS_REASONS, blank=True)
    family_informed = models.BooleanField(_("family told"), default=False)
    makeup_date = models.DateField(_("make-up visit planned on"), null=True, blank=True)
    subsidy = models.DecimalField(max_digits=10, decimal_places=2, default=0)
    ledger_entry = models.ForeignKey("funds.LedgerEntry", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    client_ref = models.CharField(max_length=64, blank=True)
    original = models.JSONField(default=dict)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")

    objects = ScopedManager()
    VIEW_PERMISSION = "homebound.view"
    SCOPE_LOOKUPS = {"region": "region_path", "school": "school_id", "class": "student__school_class_id",
                     "student": "student_id"}

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("home visit")
        verbose_name_plural = _("home visits")
        constraints = [models.UniqueConstraint(fields=["recorded_by", "client_ref"], condition=~models.Q(client_ref=""),
                                               name="hb_visit_client_ref_once")]
        indexes = [models.Index(fields=["enrolment", "date"], name="hb_visit_enrolment_date_idx"),
                   models.Index(fields=["school", "date"], name="hb_visit_school_date_idx")]

    def __str__(self):
        return f"{self.student.name} {self.date}"

    def audit_scope(self):
        return self.region_path, self.school_id


class VisitTeacher(models.Model):
    """A teacher named on a visit; they confirm their presence on the same record, or disown it (HB-4)."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="visit_teachers")
    staff = models.ForeignKey("staff.StaffMember", on_delete=models.PROTECT, related_name="homebound_visits")
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["visit_id", "id"]
        constraints = [models.UniqueConstraint(fields=["visit", "staff"], name="hb_visit_teacher_once")]
        indexes = [models.Index(fields=["staff", "visit"], name="hb_visit_teacher_staff_idx")]

    def __str__(self):
        return f"{self.visit_id} {self.staff_id}"


class VisitCorrection(AppendOnly, models.Model):
    CORRECTION, DISOWNED = "correction", "disowned"
    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="corrections")
    number = models.PositiveIntegerField()
    kind = models.CharField(max_length=10, default=CORRECTION)
    reason = models.TextField()
    before = models.JSONField()
    after = models.JSONField()
    corrected_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    corrected_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["visit_id", "number"]
        constraints = [models.UniqueConstraint(fields=["visit", "number"], name="hb_visit_correction_number")]

    def __str__(self):
        return f"{self.visit_id} #{self.number}"


class VisitAttachment(models.Model):
    """A photo or short video of a visit (HB-6): checked by content, size-capped, served by an access-checked
    view only."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="attachments")
    name = models.CharField(max_length=200)
    file = models.FileField(upload_to=upload_to)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return self.name

    def folder(self):
        return f"visit-{self.visit_id}"


class VisitWeek(models.Model):
    """Per enrolment per week (Monday), recomputed from the visits by the visit service (HB-4)."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="weeks")
    week_start = models.DateField()
    visits = models.PositiveSmallIntegerField(default=0)
    hours = models.DecimalField(max_digits=6, decimal_places=2, default=0)
    short_visits = models.PositiveSmallIntegerField(default=0)
    missed_visits = models.PositiveSmallIntegerField(default=0)
    required_visits = models.PositiveSmallIntegerField(default=0)
    required_hours_per_visit = models.DecimalField(max_digits=4, decimal_places=2, default=0)
    met = models.BooleanField(default=False)

    class Meta:
        ordering = ["enrolment_id", "week_start"]
        constraints = [models.UniqueConstraint(fields=["enrolment", "week_start"], name="hb_week_unique")]

    def __str__(self):
        return f"{self.enrolment_id} {self.week_start}"
