"""Staff and the resource-teacher pool (ST-1, ST-3). The staff module builds on these; home-delivered
education (HB-2) and resource rooms (ST-4) take their teachers from the pool through ``staff.selectors``."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

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

    name = models.CharField(_("name"), max_length=50)
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
    is_active = models.BooleanField(_("active"), default=True)

    objects = ScopedManager()
    VIEW_PERMISSION = "org.view"
    SCOPE_LOOKUPS = {"region": "region_path", "school": "school_id"}

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("staff member")
        verbose_name_plural = _("staff")
        indexes = [models.Index(fields=["region_path", "kind"], name="staff_region_kind_idx")]

    def __str__(self):
        return self.name

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
