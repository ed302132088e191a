"""Student record, placement history, deferral, leaving outcome, exam accommodations,
cases and archives (PL-1..PL-13, AR-1..AR-3)."""

from datetime import date

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from suiban.core.crypto import EncryptedTextField
from suiban.core.models import AppendOnlyQuerySet, VersionedModel
from suiban.core.permissions import SCOPE_REGION, SCOPE_SCHOOL
from suiban.core.scoping import ScopedManager, ScopedQuerySet, grants_for, scope_q

GENDER_CHOICES = [("male", _("Male")), ("female", _("Female"))]
CATEGORY_CHOICES = [
    ("visual", _("Visual (视力)")), ("hearing", _("Hearing (听力)")), ("speech", _("Speech (言语)")),
    ("physical", _("Physical (肢体)")), ("intellectual", _("Intellectual (智力)")), ("mental", _("Mental (精神)")),
    ("multiple", _("Multiple (多重)")),
]
DISABILITY_GRADE_CHOICES = [(1, _("Grade 1 (most severe)")), (2, _("Grade 2")), (3, _("Grade 3")), (4, _("Grade 4"))]
CERTIFIER_CHOICES = [("dpf", _("Disabled persons' federation")), ("hospital", _("Hospital")),
                     ("committee", _("Expert committee"))]
PLACEMENT_CHOICES = [
    ("regular_class", _("Regular class of an ordinary school")),
    ("special_class", _("Special class attached to an ordinary school")),
    ("special_school", _("Special-education school")),
    ("homebound", _("Home-delivered education")),
    ("remote", _("Remote education")),
    ("awaiting", _("Awaiting placement")),
]
STATUS_CHOICES = [
    ("active", _("In school")), ("deferred", _("Deferred enrolment")), ("transferred", _("Transferred out")),
    ("graduated", _("Graduated (毕业)")), ("completed", _("Completed (结业)")),
    ("attended", _("Attendance certificate (肄业)")), ("left", _("Left")),
]
# Placements counted as "in inclusion" in an ordinary school's class (PL-4, RR-1).
INCLUSION_PLACEMENTS = ("regular_class", "special_class")
# The placement the class cap of PL-4 counts (随班就读 in an ordinary class, GD §12). Pupils placed in a special
# class attached to an ordinary school (附设特教班, GD §11) are a placement of their own: they never count against
# an ordinary class's cap, and a special class has no such cap.
CAPPED_PLACEMENT = "regular_class"
ACTIVE_STATUSES = ("active",)
LEAVING_STATUSES = ("graduated", "completed", "attended")


class Student(VersionedModel):
    name = models.CharField(pgettext_lazy("person", "name"), max_length=50)
    # PL-13: the name's pinyin with tone numbers ("li3 na4"), set by the services on every write: lists sort
    # names in pinyin order on SQLite too (PostgreSQL sorts the name itself with the ICU collation).
    name_pinyin = models.CharField(max_length=300, blank=True, default="", editable=False)
    gender = models.CharField(_("gender"), max_length=6, choices=GENDER_CHOICES)
    birth_date = models.DateField(_("birth date"))
    id_number = EncryptedTextField(_("identity number"), blank=True)
    id_number_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    id_number_masked = models.CharField(max_length=18, blank=True, editable=False)
    # The national student number is G + identity number (or J/L + region + birth date): as sensitive as
    # the identity number (SEC-4) — encrypted, found through its keyed hash (unique), shown masked.
    student_number = EncryptedTextField(_("national student number"))
    student_number_hash = models.CharField(max_length=64, unique=True, editable=False)
    student_number_masked = models.CharField(max_length=19, blank=True, editable=False)
    hukou_region_code = models.CharField(_("household registration region"), max_length=6, blank=True)
    school = models.ForeignKey("org.School", on_delete=models.PROTECT, related_name="students",
                               verbose_name=_("school"))
    region_path = models.CharField(max_length=100, db_index=True, editable=False)
    school_class = models.ForeignKey("org.SchoolClass", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="students", verbose_name=_("class"))
    grade = models.PositiveSmallIntegerField(_("grade"), validators=[MinValueValidator(1), MaxValueValidator(9)])
    disability_category = models.CharField(_("disability category"), max_length=12, choices=CATEGORY_CHOICES)
    disability_grade = models.PositiveSmallIntegerField(_("disability grade"), choices=DISABILITY_GRADE_CHOICES,
                                                        null=True, blank=True)
    certificate_number = EncryptedTextField(_("disability certificate number"), blank=True)
    certificate_masked = models.CharField(max_length=22, blank=True, editable=False)
    certificate_issued_on = models.DateField(_("certificate issued on"), null=True, blank=True)
    certified_by = models.CharField(_("certified by"), max_length=10, choices=CERTIFIER_CHOICES, blank=True)
    placement = models.CharField(_("placement"), max_length=15, choices=PLACEMENT_CHOICES, default="regular_class")
    status = models.CharField(_("status"), max_length=12, choices=STATUS_CHOICES, default="active")
    enrolled_on = models.DateField(_("enrolled on"), null=True, blank=True)
    family_situation = EncryptedTextField(_("family situation"), blank=True)
    medical_notes = EncryptedTextField(_("medical notes"), blank=True)
    repeating_grade = models.BooleanField(default=False, editable=False)  # always False: PL-11 forbids it

    objects = ScopedManager()
    VIEW_PERMISSION = "students.view"
    SCOPE_LOOKUPS = {"region": "region_path", "school": "school_id", "class": "school_class_id", "student": "id"}
    # Keyed-hash columns recomputed by ``manage.py rotate_field_keys`` (hash column: clear field).
    LOOKUP_HASHES = {"id_number_hash": "id_number", "student_number_hash": "student_number"}
    # Read only where a number is revealed, edited or exported in full (lists show the masks).
    NUMBER_FIELDS = ("id_number", "student_number", "certificate_number")
    # Encrypted at rest (SEC-4): every one read is decrypted per row. A list that joins the students but shows none
    # of them defers them: ``.defer(*Student.encrypted_fields("student"))``.
    ENCRYPTED_FIELDS = ("family_situation", "medical_notes", *NUMBER_FIELDS)

    @classmethod
    def encrypted_fields(cls, via: str = "") -> list[str]:
        return [f"{via}__{f}" if via else f for f in cls.ENCRYPTED_FIELDS]

    class Meta:
        ordering = ["school_id", "grade", "name", "id"]
        verbose_name = _("student")
        verbose_name_plural = _("students")
        indexes = [
            models.Index(fields=["school", "status", "grade"], name="student_school_status_idx"),
            models.Index(fields=["region_path", "status"], name="student_region_status_idx"),
            models.Index(fields=["school_class", "placement", "status"], name="student_class_place_idx"),
            models.Index(fields=["disability_category", "disability_grade"], name="student_category_idx"),
            models.Index(fields=["placement"], name="student_placement_idx"),
            models.Index(fields=["name"], name="student_name_idx"),
            # sortable roster columns: the scope filter (school) then the order, and the order alone for a region
            models.Index(fields=["school", "name_pinyin", "id"], name="student_school_pinyin_idx"),
            models.Index(fields=["name_pinyin", "id"], name="student_pinyin_idx"),
            models.Index(fields=["school", "grade", "name_pinyin", "id"], name="student_school_grade_idx"),
            # The students in inclusion of a region (IEP-5 below-minimum list and count): read from the index
            # alone, without the wide rows of the table.
            models.Index(fields=["region_path", "id", "school"], name="student_inclusion_region_idx",
                         opclasses=["varchar_pattern_ops", "int8_ops", "int8_ops"],
                         condition=models.Q(placement__in=INCLUSION_PLACEMENTS, status__in=ACTIVE_STATUSES)),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(repeating_grade=False), name="student_no_grade_repetition"),
        ]

    def __str__(self):
        return self.name

    def policy_school(self):
        return self.school

    def audit_scope(self):
        return self.region_path, self.school_id

    @property
    def in_inclusion(self) -> bool:
        return self.placement in INCLUSION_PLACEMENTS and self.status in ACTIVE_STATUSES

    def age_on(self, day: date) -> int:
        b = self.birth_date
        return day.year - b.year - ((day.month, day.day) < (b.month, b.day))


class Guardian(models.Model):
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="guardians")
    name = models.CharField(pgettext_lazy("person", "name"), max_length=50)
    relation = models.CharField(_("relation"), max_length=20)
    phone = models.CharField(_("phone"), max_length=30, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("guardian")
        verbose_name_plural = _("guardians")

    def __str__(self):
        return f"{self.name}（{self.relation}）"


class PlacementRecord(models.Model):
    """One placement decision with the expert committee's opinion (PL-2). History, never edited."""

    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="placements")
    placement = models.CharField(_("placement"), max_length=15, choices=PLACEMENT_CHOICES)
    school = models.ForeignKey("org.School", on_delete=models.PROTECT, related_name="+", verbose_name=_("school"))
    school_class = models.ForeignKey("org.SchoolClass", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+", verbose_name=_("class"))
    effective_date = models.DateField(_("effective date"))
    committee_opinion = models.TextField(_("expert committee opinion"))
    case = models.ForeignKey("students.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-effective_date", "-id"]
        verbose_name = _("placement decision")

    def __str__(self):
        return f"{self.student_id} {self.placement} {self.effective_date}"


class Deferral(models.Model):
    """延缓入学 (PL-3): guardian's application, approval by the town government or county bureau."""

    APPROVERS = [("town", _("Town government")), ("county_bureau", _("County education bureau"))]
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="deferrals")
    applicant = models.CharField(_("applicant (guardian)"), max_length=50)
    applied_on = models.DateField(_("applied on"))
    approver_body = models.CharField(_("approved by"), max_length=15, choices=APPROVERS)
    approver_name = models.CharField(_("approver"), max_length=50)
    approved_on = models.DateField(_("approved on"))
    deferred_until = models.DateField(_("deferred until"))
    reason = models.TextField(_("reason"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-applied_on"]
        verbose_name = _("deferred enrolment")

    def __str__(self):
        return f"{self.student_id} → {self.deferred_until}"


class LeavingRecord(models.Model):
    """毕业/结业/肄业 proposed from the record and confirmed by the school (PL-11)."""

    OUTCOMES = [("graduated", _("Graduation (毕业)")), ("completed", _("Completion (结业)")),
                ("attended", _("Attendance certificate (肄业)"))]
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="leaving_records")
    proposed_outcome = models.CharField(_("proposed outcome"), max_length=10, choices=OUTCOMES)
    basis = models.TextField(_("basis of the proposal"))
    outcome = models.CharField(_("confirmed outcome"), max_length=10, choices=OUTCOMES, blank=True)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    confirmed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("leaving outcome")

    def __str__(self):
        return f"{self.student_id} {self.outcome or self.proposed_outcome}"


class ExamAccommodation(models.Model):
    """Accommodations requested/granted for the junior-secondary or special admission exam (PL-12)."""

    EXAMS = [("zhongkao", _("Junior-secondary school exam (中考)")),
             ("special_admission", _("Special admission exam"))]
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="exam_accommodations")
    exam = models.CharField(_("exam"), max_length=20, choices=EXAMS)
    exam_year = models.PositiveIntegerField(_("exam year"))
    requested = models.TextField(_("accommodations requested"))
    granted = models.TextField(_("accommodations granted"), blank=True)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-exam_year"]
        verbose_name = _("exam accommodation")

    def __str__(self):
        return f"{self.student_id} {self.exam} {self.exam_year}"


class CaseQuerySet(ScopedQuerySet):
    """Case visibility (ORG-4, PL-7): the usual scope of the student's school, plus, for viewing and for
    answering a transfer, the cases whose *receiving* school is in the user's region or school scope.

    The incoming rule reuses ``suiban.core.scoping`` (grants and ``scope_q``) with the receiving school's
    lookups; only region and school grants reach incoming cases, so a class teacher or a guardian of the
    receiving school never sees another school's child. Writing permissions (submit, review, opinion, decide)
    stay with the student's own scope.
    """

    INCOMING_PERMS = ("cases.view", "cases.respond_transfer")
    INCOMING_LOOKUPS = {"region": "target_school__region_path", "school": "target_school_id"}

    def visible_to(self, user, perm: str | None = None):
        perm = perm or self.model.VIEW_PERMISSION
        own = super().visible_to(user, perm)
        if perm not in self.INCOMING_PERMS:
            return own
        incoming = None
        for g in grants_for(user, perm):
            if g.kind not in (SCOPE_REGION, SCOPE_SCHOOL):
                continue
            q = scope_q(g, self.INCOMING_LOOKUPS)
            if q is not None:
                incoming = q if incoming is None else incoming | q
        if incoming is None:
            return own
        return own | self.filter(incoming)


class Case(VersionedModel):
    """An application (PL-3/5/6/7/8) as a case with one state machine (PL-9); see ``suiban.students.cases``."""

    KINDS = [("identification", _("Identification (认定)")), ("revocation", _("Revocation (撤销)")),
             ("reassessment", _("Reassessment (复测)")), ("transfer", _("Transfer / referral (转介)")),
             ("deferral", _("Deferred enrolment (延缓入学)")), ("dispute", _("Dispute (争议)"))]
    STATES = [("submitted", _("Submitted")), ("under_review", _("Under review")),
              ("committee_opinion", _("Committee opinion given")), ("decided", _("Decided")),
              ("effective", _("Effective")), ("rejected", _("Rejected")), ("withdrawn", _("Withdrawn"))]
    OPEN_STATES = ("submitted", "under_review", "committee_opinion", "decided")

    kind = models.CharField(_("kind"), max_length=15, choices=KINDS)
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="cases", verbose_name=_("student"))
    school = models.ForeignKey("org.School", on_delete=models.PROTECT, related_name="cases",
                               verbose_name=_("school"))
    region_path = models.CharField(max_length=100, db_index=True, editable=False)
    state = models.CharField(_("state"), max_length=20, choices=STATES, default="submitted")
    applicant = models.CharField(_("applicant"), max_length=50)
    reason = models.TextField(_("reason for the application"), blank=True)
    committee_opinion = models.TextField(_("expert committee opinion"), blank=True)
    decision = models.TextField(_("decision"), blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, blank=True)  # e.g. placement for identification
    effective_date = models.DateField(_("effective date"), null=True, blank=True)
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    # transfer (PL-7)
    direction = models.CharField(_("direction"), max_length=20, blank=True,
                                 choices=[("to_ordinary", _("Special → ordinary school")),
                                          ("to_special", _("Ordinary → special or designated school"))])
    target_school = models.ForeignKey("org.School", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="incoming_cases", verbose_name=_("receiving school"))
    refusal_reason = models.TextField(_("refusal reason"), blank=True)
    # dispute (PL-8)
    school_conditions = models.TextField(_("school conditions considered"), blank=True)
    guardian_wishes = models.TextField(_("guardian wishes considered"), blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    # PL-5: an identification at primary enrolment takes effect at once (GD §13)
    at_enrolment = models.BooleanField(_("at primary enrolment"), default=False)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    # PL-3: a deferral decision says until when
    deferred_until = models.DateField(_("deferred until"), null=True, blank=True)
    # PL-7: the receiving school's answer (a refusal needs refusal_reason)
    target_response = models.CharField(_("receiving school's answer"), max_length=10, blank=True,
                                       choices=[("accepted", _("Accepted")), ("refused", _("Refused"))])
    responded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    responded_at = models.DateTimeField(null=True, blank=True)

    objects = models.Manager.from_queryset(CaseQuerySet)()
    VIEW_PERMISSION = "cases.view"
    SCOPE_LOOKUPS = {"region": "region_path", "school": "school_id", "class": "student__school_class_id",
                     "student": "student_id"}

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        indexes = [models.Index(fields=["region_path", "state", "kind"], name="case_region_state_idx"),
                   models.Index(fields=["school", "state"], name="case_school_state_idx"),
                   models.Index(fields=["target_school", "target_response"], name="case_target_response_idx"),
                   # the sortable columns of the case list: a school's cases in that order; newest first anywhere
                   models.Index(fields=["school", "created_at", "id"], name="case_school_created_idx"),
                   models.Index(fields=["created_at", "id"], name="case_created_idx"),
                   models.Index(fields=["school", "deadline", "id"], name="case_school_deadline_idx"),
                   models.Index(fields=["school", "effective_date", "id"], name="case_school_effective_idx"),
                   models.Index(fields=["school", "kind", "id"], name="case_school_kind_idx")]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.student.name}"

    def audit_scope(self):
        return self.region_path, self.school_id


class CaseEvent(models.Model):
    """The timeline of a case: who moved it from which state to which, and why. Append-only (PL-9): a
    correction is a new event whose from and to state are the same; rows are never changed or deleted."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events")
    at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    from_state = models.CharField(max_length=20, blank=True)
    to_state = models.CharField(max_length=20)
    note = models.TextField(blank=True)

    objects = models.Manager.from_queryset(AppendOnlyQuerySet)()  # no update()/delete() in bulk either

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.case_id} {self.from_state}→{self.to_state}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("case events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("case events are append-only")


ARCHIVE_ITEMS = [
    (1, _("Enrolment registration form")),
    (2, _("Inclusion application/confirmation form with disability evidence")),
    (3, _("Intelligence and other assessment reports")),
    (4, _("Medical reports")),
    (5, _("Family situation and developmental/treatment history")),
    (6, _("IEP with implementation and feedback")),
    (7, _("Exam analysis")),
    (8, _("Development evaluations")),
    (9, _("Growth portfolio")),
    (10, _("Adaptive behaviour and social skills assessment")),
]

SCHOOL_ARCHIVE_SECTIONS = [
    ("organisation", _("Organisation and leadership")), ("rules", _("Documents and rules")),
    ("plans", _("Term plans and summaries")), ("inspections", _("Inspection records")),
    ("roster", _("Roster")), ("resource_room", _("Resource room materials")), ("funding", _("Funding")),
    ("research", _("Teaching research records")), ("iep_meetings", _("IEP meeting records")),
    ("materials", _("School-based materials")), ("case_studies", _("Case studies")),
    ("publications", _("Publications")), ("inclusion_activities", _("Inclusion activities")),
    ("theme_activities", _("Theme activities")), ("home_school", _("Home-school contacts")),
    ("community", _("Community work")), ("honours", _("Honours")), ("media", _("Photos and videos")),
]


def archive_upload_to(instance, filename):
    import uuid

    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"archives/{instance.owner_folder()}/{uuid.uuid4().hex}.{ext}"


class ArchiveFile(models.Model):
    """A file in a student's archive (AR-1) or attached to a case (PL-9). Served only through a checked view."""

    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="archive_files")
    item = models.PositiveSmallIntegerField(_("archive item"), choices=ARCHIVE_ITEMS, null=True, blank=True)
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.PROTECT, related_name="attachments")
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(_("file"), upload_to=archive_upload_to)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager()
    VIEW_PERMISSION = "archives.view"
    SCOPE_LOOKUPS = {"region": "student__region_path", "school": "student__school_id",
                     "class": "student__school_class_id", "student": "student_id"}

    class Meta:
        ordering = ["item", "-uploaded_at"]
        indexes = [models.Index(fields=["student", "item"], name="archive_student_item_idx")]

    def __str__(self):
        return self.title

    def owner_folder(self):
        return f"student-{self.student_id}"

    def audit_scope(self):
        return self.student.region_path, self.student.school_id


class SchoolArchiveFile(models.Model):
    """A document in a school's inclusion archive (AR-2), by section and school year."""

    school = models.ForeignKey("org.School", on_delete=models.PROTECT, related_name="archive_files")
    section = models.CharField(_("section"), max_length=30, choices=SCHOOL_ARCHIVE_SECTIONS)
    school_year = models.ForeignKey("org.SchoolYear", on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(_("file"), upload_to=archive_upload_to)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager()
    VIEW_PERMISSION = "archives.view"
    SCOPE_LOOKUPS = {"region": "school__region_path", "school": "school_id"}

    class Meta:
        ordering = ["section", "-uploaded_at"]

    def __str__(self):
        return self.title

    def owner_folder(self):
        return f"school-{self.school_id}"

    def audit_scope(self):
        return self.school.region_path, self.school_id


class Handover(models.Model):
    """The archive handed over on graduation, promotion or transfer (AR-3)."""

    REASONS = [("graduation", _("Graduation")), ("promotion", _("Promotion to junior secondary")),
               ("transfer", _("Transfer"))]
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="handovers")
    reason = models.CharField(_("reason"), max_length=12, choices=REASONS)
    from_school = models.ForeignKey("org.School", on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("from"))
    to_school = models.ForeignKey("org.School", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("to"))
    to_party = models.CharField(_("received by"), max_length=100)
    handed_over_on = models.DateField(pgettext_lazy("handover", "date"))
    items = models.JSONField(_("items handed over"), default=list)
    note = models.TextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-handed_over_on"]

    def __str__(self):
        return f"{self.student_id} {self.reason} {self.handed_over_on}"


class CorrectionRequest(models.Model):
    """A guardian asks the school to correct the child's record (PIPL art. 46: the right to correction). The
    school answers on record — accepted (what was corrected) or refused (why); the request is never deleted."""

    FIELDS = [("name", _("Name")), ("birth_date", _("Birth date")), ("identity", _("Identity number")),
              ("hukou", _("Household registration")), ("disability", _("Disability category or grade")),
              ("guardians", _("Guardians and phone numbers")), ("school", _("School, class or grade")),
              ("plan", _("Individual education plan")), ("other", _("Something else"))]
    STATES = [("open", _("Waiting for the school's answer")), ("accepted", _("Corrected")),
              ("refused", _("Not corrected"))]

    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="correction_requests",
                                verbose_name=_("student"))
    school = models.ForeignKey("org.School", on_delete=models.PROTECT, related_name="+", verbose_name=_("school"))
    region_path = models.CharField(max_length=100, db_index=True, editable=False)
    field = models.CharField(_("what is wrong"), max_length=12, choices=FIELDS)
    current_value = models.TextField(_("what the record says"), blank=True)
    requested_value = models.TextField(_("what it should say"))
    reason = models.TextField(_("why"), blank=True)
    state = models.CharField(_("state"), max_length=10, choices=STATES, default="open")
    answer = models.TextField(_("the school's answer"), blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    answered_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    objects = ScopedManager()
    VIEW_PERMISSION = "students.view"
    SCOPE_LOOKUPS = {"region": "region_path", "school": "school_id", "class": "student__school_class_id",
                     "student": "student_id"}

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("correction request")
        verbose_name_plural = _("correction requests")
        indexes = [models.Index(fields=["school", "state"], name="correction_school_state_idx")]

    def __str__(self):
        return f"{self.get_field_display()} · {self.student.name}"

    def audit_scope(self):
        return self.region_path, self.school_id
