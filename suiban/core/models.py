from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from suiban.core.scoping import ScopedQuerySet


class AppendOnlyQuerySet(ScopedQuerySet):
    """The audit log cannot be changed from the application (SEC-3)."""

    def update(self, **kwargs):
        raise PermissionError("the audit log is append-only")

    def delete(self):
        raise PermissionError("the audit log is append-only")

    def bulk_update(self, *args, **kwargs):
        raise PermissionError("the audit log is append-only")


class AuditEvent(models.Model):
    """One audit row: who did what to which object, when, from where, with what result."""

    RESULT_CHOICES = [("success", _("Success")), ("failure", _("Failure")), ("denied", _("Denied"))]

    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", verbose_name=_("actor"),
    )
    actor_username = models.CharField(_("username"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=100, db_index=True)
    object_type = models.CharField(_("object type"), max_length=50, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    result = models.CharField(_("result"), max_length=10, choices=RESULT_CHOICES, default="success")
    client_address = models.CharField(_("client address"), max_length=64, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    # Scope of the object, so a bureau officer sees events of their region (ORG-4).
    region_path = models.CharField(max_length=100, blank=True, db_index=True)
    school_id = models.BigIntegerField(null=True, blank=True, db_index=True)

    objects = models.Manager.from_queryset(AppendOnlyQuerySet)()

    VIEW_PERMISSION = "audit.view"
    SCOPE_LOOKUPS = {"region": "region_path", "school": "school_id"}

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="audit_object_idx"),
            models.Index(fields=["actor", "at"], name="audit_actor_at_idx"),
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_username} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("the audit log is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("the audit log is append-only")


class VersionedModel(models.Model):
    """Rows edited by people carry a version for optimistic concurrency (SEC-6)."""

    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
