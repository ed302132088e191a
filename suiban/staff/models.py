"""Staff and the resource-teacher pool (ST-1, ST-3). The staff module builds on these; home-delivered
education (HB-2) and resource rooms (ST-4) take their teachers from the pool through ``staff.selectors``."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from suiban.core.models import VersionedModel
from suiban.core.scoping import ScopedManager
from suiban.org.models import ResourceCentre, School, SchoolYear


class StaffMember(VersionedModel):
    """A person who does inclusion work: a teacher of an ordinary or special school, centre staff, or
    purchased-service staff; linked to a user account where they have one (ST-1, ST-3)."""

    TEACHER, SPECIAL_TEACHER, CENTRE, ASSISTANT, SOCIAL_WORKER, THERAPIST = (
        "teacher", "special_teacher", "centre", "assistant", "social_worker", "therapist")
    KIND_CHOICES = [
        (TEACHER, _("Ordinary-school teacher")),
        (SPECIAL_TEACHER, _("Special-school teacher")),
        (CENTRE, _("Resource centre staff")),
        (ASSISTANT, _("Teaching assistant / companion")),
        (SOCIAL_WORKER, _("Social worker")),
        (THERAPIST, _("Rehabilitation therapist")),
    ]
    QUALIFICATION_CHOICES = [
        ("special_ed_degree", _("Graduated in special education")),
        ("provincial_training", _("Passed provincial special-education training")),
        ("none", _("None")),
    ]

    name = models.CharField(pgettext_lazy("person", "name"), max_length=50)
    # the name's pinyin sort key ("li3 na4"): staff lists sort names in pinyin order on SQLite too; kept with
    # the name on every save (the services' writes and the demo's alike)
    name_pinyin = models.CharField(max_length=300, blank=True, default="", editable=False)
    kind = models.CharField(_("kind"), max_length=20, choices=KIND_CHOICES, default=TEACHER)
    school = models.ForeignKey(School, null=True, blank=True, on_delete=models.PROTECT, related_name="staff",
                               verbose_name=_("school"))
    centre = models.ForeignKey(ResourceCentre, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="staff", verbose_name=_("resource centre"))
    region_path = models.CharField(max_length=100, db_index=True, editable=False)
    user = models.OneToOneField(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="staff_member", verbose_name=_("account"))
    qualification = models.CharField(_("qualification basis"), max_length=20, choices=QUALIFICATION_CHOICES,
                                     default="none")
    is_active = models.BooleanField(pgettext_lazy("staff member", "active"), default=True)
    itinerant = models.BooleanField(_("itinerant teacher"), default=False,
                                    help_text=_("Visits ordinary schools to guide their inclusion work."))
    qualification_evidence = models.CharField(
        _("degree or certificate"), max_length=200, blank=True,
        help_text=_("The graduating institution, or the number of the provincial training certificate."))
    subject = models.CharField(_("subject taught"), max_length=50, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)

    objects = ScopedManager()
    VIEW_PERMISSION = "org.view"
    SCOPE_LOOKUPS = {"region": "region_path", "school": "school_id"}

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("staff member")
        verbose_name_plural = _("staff")
        indexes = [models.Index(fields=["region_path", "kind"], name="staff_region_kind_idx"),
                   models.Index(fields=["school", "name_pinyin", "id"], name="staff_school_pinyin_idx")]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        from suiban.core.text import pinyin_key

        self.name_pinyin = pinyin_key(self.name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "name_pinyin"}
        super().save(*args, **kwargs)

    def audit_scope(self):
        return self.region_path, self.school_id


class Pool(VersionedModel):
    """The resource-teacher pool of one school for one school year, filed with the bureau (ST-1)."""

    DRAFT, FILED = "draft", "filed"
    STATE_CHOICES = [(DRAFT, _("Draft")), (FILED, _("Filed"))]

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="pools", verbose_name=_("school"))
    school_year = models.ForeignKey(SchoolYear, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("school year"))
    region_path = models.CharField(max_length=100, db_index=True, editable=False)
    state = models.CharField(_("state"), max_length=10, choices=STATE_CHOICES, default=DRAFT)
    filed_at = models.DateTimeField(_("filed at"), null=True, blank=True)
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+", verbose_name=_("filed by"))
    # Judged once, when filed, against the deadline then in force (ST-1): the bureau's counts are one query.
    filed_late = models.BooleanField(_("filed after the deadline"), default=False)
    renewed_from = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                     verbose_name=_("renewed from"))

    objects = ScopedManager()
    VIEW_PERMISSION = "org.view"
    SCOPE_LOOKUPS = {"region": "region_path", "school": "school_id"}

    class Meta:
        ordering = ["-school_year__start_year", "school__code"]
        verbose_name = _("resource-teacher pool")
        verbose_name_plural = _("resource-teacher pools")
        constraints = [models.UniqueConstraint(fields=["school", "school_year"], name="pool_one_per_school_year")]
        indexes = [models.Index(fields=["school_year", "region_path"], name="pool_year_region_idx")]

    def __str__(self):
        return f"{self.school} {self.school_year}"

    def audit_scope(self):
        return self.region_path, self.school_id


class PoolMember(models.Model):
    FIXED_RESOURCE, EXCELLENT, ASSISTANT, SOCIAL_WORKER, THERAPIST = (
        "fixed_resource", "excellent", "assistant", "social_worker", "therapist")
    KIND_CHOICES = [
        (FIXED_RESOURCE, _("Fixed resource teacher")),
        (EXCELLENT, _("Excellent teacher")),
        (ASSISTANT, _("Teaching assistant / companion")),
        (SOCIAL_WORKER, _("Social worker")),
        (THERAPIST, _("Rehabilitation therapist")),
    ]

    pool = models.ForeignKey(Pool, on_delete=models.CASCADE, related_name="members", verbose_name=_("pool"))
    staff = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="pool_memberships",
                              verbose_name=_("staff member"))
    kind = models.CharField(_("role in the pool"), max_length=20, choices=KIND_CHOICES)
    full_time = models.BooleanField(_("full-time"), default=False)

    class Meta:
        ordering = ["pool", "kind", "id"]
        verbose_name = _("pool member")
        verbose_name_plural = _("pool members")
        constraints = [models.UniqueConstraint(fields=["pool", "staff"], name="pool_member_once")]

    def __str__(self):
        return f"{self.staff} ({self.get_kind_display()})"


# --- ST-1: renewal, filing and amendments of the pool ------------------------------------------------------
class PoolAmendment(models.Model):
    """A recorded change of a pool after it was filed (ST-1): who, when, why and what changed."""

    pool = models.ForeignKey(Pool, on_delete=models.CASCADE, related_name="amendments", verbose_name=_("pool"))
    reason = models.TextField(_("reason for the amendment"))
    changes = models.JSONField(_("changes"), default=dict)
    amended_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("amended by"))
    amended_at = models.DateTimeField(_("amended at"), auto_now_add=True)

    class Meta:
        ordering = ["pool", "amended_at", "id"]
        verbose_name = _("pool amendment")
        verbose_name_plural = _("pool amendments")

    def __str__(self):
        return f"{self.pool} {self.amended_at:%Y-%m-%d}"


# --- ST-2 / ST-7: training ---------------------------------------------------------------------------------
def certificate_upload_to(instance, filename):
    import uuid

    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"staff/certificates/{uuid.uuid4().hex}.{ext}"


class Training(VersionedModel):
    """One training a staff member attended (ST-2), at one of the tiers of GD §33 (ST-7)."""

    PROVINCE, CITY, COUNTY, SCHOOL = "province", "city", "county", "school"
    LEVEL_CHOICES = [(PROVINCE, pgettext_lazy("level", "Province")), (CITY, pgettext_lazy("level", "City")),
                     (COUNTY, pgettext_lazy("level", "County / district")),
                     (SCHOOL, pgettext_lazy("level", "School"))]
    COURSE, SCHOOL_RESEARCH, INVITED_EXPERT = "course", "school_research", "invited_expert"
    KIND_CHOICES = [(COURSE, _("Training course")), (SCHOOL_RESEARCH, _("School-based research")),
                    (INVITED_EXPERT, _("Session with an invited expert"))]

    staff = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="trainings",
                              verbose_name=_("staff member"))
    region_path = models.CharField(max_length=100, db_index=True, editable=False)
    school = models.ForeignKey(School, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("school"))
    course = models.CharField(_("course"), max_length=200)
    kind = models.CharField(_("kind of training"), max_length=20, choices=KIND_CHOICES, default=COURSE)
    level = models.CharField(_("level"), max_length=10, choices=LEVEL_CHOICES)
    organiser = models.CharField(_("organiser"), max_length=100, blank=True)
    hours = models.DecimalField(_("hours"), max_digits=6, decimal_places=1)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    school_year = models.ForeignKey(SchoolYear, null=True, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("school year"))
    certificate = models.FileField(_("certificate scan"), upload_to=certificate_upload_to, blank=True)
    certificate_type = models.CharField(max_length=100, blank=True)
    certificate_size = models.PositiveIntegerField(null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager()
    VIEW_PERMISSION = "staff.view"
    SCOPE_LOOKUPS = {"region": "region_path", "school": "school_id"}

    class Meta:
        ordering = ["-start_date", "-id"]
        verbose_name = _("training record")
        verbose_name_plural = _("training records")
        indexes = [models.Index(fields=["staff", "school_year"], name="training_staff_year_idx")]

    def __str__(self):
        return self.course

    def audit_scope(self):
        return self.region_path, self.school_id


# --- ST-4 / ST-5: a staff member's school year -----------------------------------------------------------
class StaffYear(VersionedModel):
    """One staff member's school year: resource-room workload (ST-4), the school's evaluation and the wages
    the performance-pay uplift is computed from (ST-5)."""

    EVALUATION_CHOICES = [("excellent", _("Excellent")), ("good", _("Good")), ("qualified", _("Qualified")),
                          ("unqualified", _("Not qualified"))]

    staff = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="years",
                              verbose_name=_("staff member"))
    school_year = models.ForeignKey(SchoolYear, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("school year"))
    region_path = models.CharField(max_length=100, db_index=True, editable=False)
    school = models.ForeignKey(School, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("school"))
    full_time_resource = models.BooleanField(_("full-time resource teacher"), default=False)
    room_share = models.DecimalField(_("share of workload in the resource room"), max_digits=4, decimal_places=3,
                                     null=True, blank=True)
    service_recorded = models.BooleanField(
        _("year of full-time service recorded as rural/weak-school service"), default=False)
    evaluation = models.CharField(_("school's evaluation"), max_length=12, choices=EVALUATION_CHOICES, blank=True)
    evaluation_note = models.TextField(_("evaluation remarks"), blank=True)
    post_wage = models.DecimalField(_("post wage (yuan per month)"), max_digits=10, decimal_places=2, null=True,
                                    blank=True)
    scale_wage = models.DecimalField(_("salary-scale wage (yuan per month)"), max_digits=10, decimal_places=2,
                                     null=True, blank=True)

    objects = ScopedManager()
    VIEW_PERMISSION = "staff.view"
    SCOPE_LOOKUPS = {"region": "region_path", "school": "school_id"}

    class Meta:
        ordering = ["school_year", "staff__name", "id"]
        verbose_name = _("staff school year")
        verbose_name_plural = _("staff school years")
        constraints = [models.UniqueConstraint(fields=["staff", "school_year"], name="staff_year_once")]

    def __str__(self):
        return f"{self.staff} {self.school_year}"

    def audit_scope(self):
        return self.region_path, self.school_id


class Nomination(models.Model):
    """A school's yearly nomination of an excellent special-education worker to the bureau (ST-5)."""

    CATEGORY_CHOICES = [("special_school_teacher", _("Special-school teacher")),
                        ("resource_teacher", _("Resource teacher")),
                        ("inclusion_teacher", _("Inclusion teacher")),
                        ("homebound_teacher", _("Home-delivery teacher"))]

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+", verbose_name=_("school"))
    school_year = models.ForeignKey(SchoolYear, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("school year"))
    region_path = models.CharField(max_length=100, db_index=True, editable=False)
    staff = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="nominations",
                              verbose_name=_("nominee"))
    category = models.CharField(_("category"), max_length=30, choices=CATEGORY_CHOICES)
    reason = models.TextField(_("achievements"))
    nominated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    nominated_at = models.DateTimeField(_("sent to the bureau"), auto_now_add=True)

    objects = ScopedManager()
    VIEW_PERMISSION = "staff.view"
    SCOPE_LOOKUPS = {"region": "region_path", "school": "school_id"}

    class Meta:
        ordering = ["-school_year__start_year", "school__code", "id"]
        verbose_name = _("excellent-worker nomination")
        verbose_name_plural = _("excellent-worker nominations")

    def __str__(self):
        return f"{self.staff} {self.school_year}"

    def audit_scope(self):
        return self.region_path, self.school_id


# --- ST-6: itinerant guidance -----------------------------------------------------------------------------
class ItinerantVisit(VersionedModel):
    """A visit of a centre or special-school teacher to an ordinary school (ST-6, GD §38–40)."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="itinerant_visits",
                               verbose_name=_("school visited"))
    region_path = models.CharField(max_length=100, db_index=True, editable=False)
    date = models.DateField(_("date"))
    teacher = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="itinerant_visits",
                                verbose_name=_("itinerant teacher"))
    students = models.ManyToManyField("students.Student", blank=True, related_name="+",
                                      verbose_name=_("students seen"))
    advice = models.TextField(_("advice given"))
    follow_up = models.TextField(_("follow-up asked of the school"), blank=True)
    follow_up_due = models.DateField(_("follow-up due"), null=True, blank=True)
    response = models.TextField(_("the school's answer"), blank=True)
    responded_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    responded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    client_ref = models.CharField(max_length=64, blank=True)

    objects = ScopedManager()
    VIEW_PERMISSION = "staff.view"
    SCOPE_LOOKUPS = {"region": "region_path", "school": "school_id"}

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("itinerant visit")
        verbose_name_plural = _("itinerant visits")
        indexes = [models.Index(fields=["region_path", "date"], name="itinerant_region_date_idx")]

    def __str__(self):
        return f"{self.school} {self.date}"

    def audit_scope(self):
        return self.region_path, self.school_id


# --- ORG-6: the school's inclusion working group ---------------------------------------------------------
class WorkingGroup(VersionedModel):
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+", verbose_name=_("school"))
    school_year = models.ForeignKey(SchoolYear, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("school year"))
    region_path = models.CharField(max_length=100, db_index=True, editable=False)
    plan = models.TextField(_("work plan and appointment document"), blank=True)

    objects = ScopedManager()
    VIEW_PERMISSION = "staff.view"
    SCOPE_LOOKUPS = {"region": "region_path", "school": "school_id"}

    class Meta:
        ordering = ["-school_year__start_year", "school__code"]
        verbose_name = _("inclusion working group")
        verbose_name_plural = _("inclusion working groups")
        constraints = [models.UniqueConstraint(fields=["school", "school_year"], name="working_group_once")]

    def __str__(self):
        return f"{self.school} {self.school_year}"

    def audit_scope(self):
        return self.region_path, self.school_id


class WorkingGroupMember(models.Model):
    FUNCTION_CHOICES = [
        ("principal", _("Principal (leader)")), ("vice_principal", _("Vice principal")),
        ("middle_manager", _("Middle manager")), ("class_teacher", _("Class teacher")),
        ("subject_teacher", _("Subject teacher")), ("resource_teacher", _("Resource teacher")),
        ("school_doctor", _("School doctor")), ("counsellor", _("Psychological counsellor")),
        ("itinerant_teacher", _("Itinerant teacher")),
    ]
    group = models.ForeignKey(WorkingGroup, on_delete=models.CASCADE, related_name="members")
    name = models.CharField(pgettext_lazy("person", "name"), max_length=50)
    function = models.CharField(_("function"), max_length=20, choices=FUNCTION_CHOICES)
    duties = models.CharField(_("duties"), max_length=200, blank=True)

    class Meta:
        ordering = ["group", "id"]
        verbose_name = _("working-group member")
        verbose_name_plural = _("working-group members")

    def __str__(self):
        return self.name


class WorkingGroupMeeting(models.Model):
    group = models.ForeignKey(WorkingGroup, on_delete=models.CASCADE, related_name="meetings")
    date = models.DateField(_("date"))
    topic = models.CharField(_("topic"), max_length=200)
    minutes = models.TextField(_("minutes"))

    class Meta:
        ordering = ["group", "-date", "-id"]
        verbose_name = _("working-group meeting")
        verbose_name_plural = _("working-group meetings")

    def __str__(self):
        return self.topic


# --- ORG-7 / PL-16: experts of the centres and of the committee ------------------------------------------
EXPERT_FIELDS = [
    ("education", _("Education")), ("medicine", _("Medicine")), ("psychology", _("Psychology")),
    ("rehabilitation", _("Rehabilitation")), ("law", _("Law")), ("social_work", _("Social work")),
    ("parents", _("Parents' representative")),
]


class Expert(VersionedModel):
    """An expert of a resource centre's pool (ORG-7, GD A2.4) or a member of the region's expert committee
    (PL-16, GD §8/§36), with their field."""

    CENTRE_POOL, COMMITTEE = "centre_pool", "committee"
    BODY_CHOICES = [(CENTRE_POOL, _("Resource centre expert pool")), (COMMITTEE, _("Expert committee"))]

    body = models.CharField(_("body"), max_length=12, choices=BODY_CHOICES)
    region = models.ForeignKey("org.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("region"))
    region_path = models.CharField(max_length=100, db_index=True, editable=False)
    centre = models.ForeignKey(ResourceCentre, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="experts", verbose_name=_("resource centre"))
    name = models.CharField(pgettext_lazy("person", "name"), max_length=50)
    field = models.CharField(pgettext_lazy("expertise", "field"), max_length=20, choices=EXPERT_FIELDS)
    organisation = models.CharField(_("organisation"), max_length=100, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+", verbose_name=_("account"))
    is_active = models.BooleanField(pgettext_lazy("staff member", "active"), default=True)

    objects = ScopedManager()
    VIEW_PERMISSION = "org.view"
    SCOPE_LOOKUPS = {"region": "region_path", "district": "region_path"}

    class Meta:
        ordering = ["region_path", "body", "field", "name"]
        verbose_name = _("expert")
        verbose_name_plural = _("experts")

    def __str__(self):
        return self.name

    def audit_scope(self):
        return self.region_path, None


class CommitteeOpinion(models.Model):
    """The expert committee's opinion on a case over the three aspects of GD §8, with the members who gave it
    (PL-16)."""

    case = models.ForeignKey("students.Case", on_delete=models.CASCADE, related_name="committee_opinions",
                             verbose_name=_("case"))
    physical_condition = models.TextField(_("physical condition"))
    education_ability = models.TextField(_("ability to receive education"))
    adaptation_ability = models.TextField(_("ability to adapt to school life"))
    conclusion = models.TextField(_("conclusion"), blank=True)
    members = models.ManyToManyField(Expert, related_name="opinions", verbose_name=_("members who gave it"))
    given_on = models.DateField(_("date"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager()
    VIEW_PERMISSION = "cases.view"
    SCOPE_LOOKUPS = {"region": "case__region_path", "school": "case__school_id",
                     "class": "case__student__school_class_id", "student": "case__student_id"}

    class Meta:
        ordering = ["case", "-given_on", "-id"]
        verbose_name = _("committee opinion")
        verbose_name_plural = _("committee opinions")

    def __str__(self):
        return f"{self.case} {self.given_on}"
