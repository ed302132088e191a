from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from suiban.core.models import VersionedModel
from suiban.core.scoping import ScopedManager
from suiban.policy.params import INSTALLATION_WIDE, PARAMS, coerce


class PolicyOverride(VersionedModel):
    """One parameter overridden for a region (and everything below it), a school, or the whole system."""

    region = models.ForeignKey("org.Region", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="policy_overrides", verbose_name=_("region"))
    school = models.ForeignKey("org.School", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="policy_overrides", verbose_name=_("school"))
    region_path = models.CharField(max_length=100, blank=True, db_index=True, editable=False)
    name = models.CharField(_("parameter"), max_length=60)
    value = models.JSONField(_("value"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")

    objects = ScopedManager()
    VIEW_PERMISSION = "policy.view"
    SCOPE_LOOKUPS = {"region": "region_path", "school": "school_id"}

    class Meta:
        verbose_name = _("policy override")
        verbose_name_plural = _("policy overrides")
        constraints = [
            models.UniqueConstraint(fields=["name"], name="override_unique_system",
                                    condition=models.Q(region__isnull=True, school__isnull=True)),
            models.UniqueConstraint(fields=["region", "name"], name="override_unique_region",
                                    condition=models.Q(region__isnull=False)),
            models.UniqueConstraint(fields=["school", "name"], name="override_unique_school",
                                    condition=models.Q(school__isnull=False)),
            models.CheckConstraint(condition=~(models.Q(region__isnull=False) & models.Q(school__isnull=False)),
                                   name="override_region_or_school"),
        ]

    def __str__(self):
        return f"{self.name} = {self.value}"

    def clean(self):
        if self.name not in PARAMS:
            raise ValidationError({"name": _("Unknown parameter.")})
        if self.name in INSTALLATION_WIDE and (self.region_id or self.school_id):
            raise ValidationError({"name": _("This security parameter applies to the whole installation; it "
                                             "cannot be changed for one region or school.")})
        try:
            self.value = coerce(PARAMS[self.name], self.value)
        except ValueError as exc:
            raise ValidationError({"value": _("Invalid value: %(reason)s") % {"reason": exc}}) from exc

    def save(self, *args, **kwargs):
        # Scope lives on the row (ARCHITECTURE §4): a school override is inside its district's path too.
        self.region_path = self.school.region_path if self.school_id else (self.region.path if self.region_id else "")
        super().save(*args, **kwargs)

    def audit_scope(self):
        if self.school_id:
            return self.school.region_path, self.school_id
        if self.region_id:
            return self.region.path, None
        return "", None
