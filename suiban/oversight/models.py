"""Findings of the compliance engine (OV-1) and the census of children with disabilities (PL-14, PL-15).

A ``Finding`` is what one check found about one subject (a student, a class, a case, a school, a region…).
The engine (``suiban.oversight.engine``) writes them; nothing else does. A finding is never deleted: when the
data no longer yields it, it is marked resolved (``resolved_at``); if the same problem comes back, a new open
finding starts (so "how long has it been open" is always ``first_seen`` of the open row).
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from suiban.core.scoping import ScopedManager

SEVERITY_CHOICES = [("info", _("Information")), ("warning", _("Warning")), ("violation", _("Violation"))]
STATE_CHOICES = [("open", _("Open")), ("resolved", _("Resolved"))]


class Finding(models.Model):
    check_code = models.CharField(_("check"), max_length=60)
    rule = models.CharField(_("rule"), max_length=12)
    severity = models.CharField(_("severity"), max_length=10, choices=SEVERITY_CHOICES)
    subject_type = models.CharField(_("subject type"), max_length=30)
    subject_id = models.BigIntegerField(_("subject"))
    subject_name = models.CharField(_("subject name"), max_length=200)
    key = models.CharField(max_length=100, blank=True, default="")
    school = models.ForeignKey("org.School", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("school"))
    region = models.ForeignKey("org.Region", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("region"))
    region_path = models.CharField(max_length=100, db_index=True)
    # Scope below the school (ORG-4): a class teacher sees the findings about their class's students only.
    class_id = models.IntegerField(null=True, blank=True)
    student_id = models.IntegerField(null=True, blank=True)
    evidence = models.TextField(_("evidence"))
    due_date = models.DateField(_("due date"), null=True, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=STATE_CHOICES, default="open")
    first_seen = models.DateTimeField(_("first seen"))
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    objects = ScopedManager()
    VIEW_PERMISSION = "oversight.view"
    SCOPE_LOOKUPS = {"region": "region_path", "school": "school_id", "class": "class_id", "student": "student_id"}

    class Meta:
        ordering = ["due_date", "id"]
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        constraints = [
            models.UniqueConstraint(fields=["check_code", "subject_type", "subject_id", "key"],
                                    condition=Q(state="open"), name="finding_one_open_per_subject"),
        ]
        indexes = [
            models.Index(fields=["state", "rule"], name="finding_state_rule_idx"),
            models.Index(fields=["state", "severity"], name="finding_state_severity_idx"),
            models.Index(fields=["school", "state"], name="finding_school_state_idx"),
            models.Index(fields=["region_path", "state", "rule"], name="finding_region_state_idx"),
            models.Index(fields=["check_code", "state", "school"], name="finding_check_state_idx"),
            models.Index(fields=["state", "due_date"], name="finding_state_due_idx"),
        ]

    def __str__(self):
        return f"{self.rule} {self.subject_name}"

    def audit_scope(self):
        return self.region_path, self.school_id
