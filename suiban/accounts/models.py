"""Users, role assignments and API tokens (ORG-3, SEC-1, SEC-2)."""

import hashlib
import hmac

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device, ThrottlingMixin, TimestampMixin
from django_otp.plugins.otp_static import models as static_models
from django_otp.plugins.otp_totp import models as totp_models

from suiban.core.crypto import EncryptedTextField
from suiban.core.permissions import ROLES, SCOPE_ALL, SCOPE_CLASS, SCOPE_REGION, SCOPE_SCHOOL, SCOPE_STUDENT
from suiban.core.scoping import Grant, ScopedQuerySet

# How long a user's grants stay cached (a role change applies at once through ``roles_version``; the limit only
# bounds how long a renamed or moved region's old path could be used).
GRANTS_CACHE_SECONDS = 300


class ScopedUserManager(UserManager.from_queryset(ScopedQuerySet)):
    pass


class User(AbstractUser):
    """A person's account. Accounts are disabled, never deleted (SEC-2)."""

    full_name = models.CharField(_("full name"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    password_changed_at = models.DateTimeField(_("password changed"), null=True, blank=True)
    failed_login_count = models.PositiveSmallIntegerField(default=0)
    locked_until = models.DateTimeField(_("locked until"), null=True, blank=True)
    disabled_at = models.DateTimeField(_("disabled at"), null=True, blank=True)
    # Bumped on every role assignment and revocation: a user's grants are cached across requests under this
    # stamp, so a changed role applies from the next request on (every request loads the user row afresh).
    roles_version = models.PositiveIntegerField(default=1, editable=False)

    objects = ScopedUserManager()
    VIEW_PERMISSION = "accounts.view"
    SCOPE_LOOKUPS: dict = {}  # accounts are visible to global roles (the security administrator) only

    class Meta:
        ordering = ["username"]
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self):
        return self.full_name or self.username

    @property
    def display_name(self):
        return self.full_name or self.username

    def is_locked(self, now=None) -> bool:
        return bool(self.locked_until and self.locked_until > (now or timezone.now()))

    def active_assignments(self) -> list["RoleAssignment"]:
        """The user's current role assignments, read once per request (one query)."""
        cached = getattr(self, "_assignments_cache", None)
        if cached is None:
            from django.apps import apps

            # One account's rows: no join on the account for the default ordering, and the scope student's
            # encrypted columns are neither read nor decrypted (the scope shows the name).
            student = apps.get_model("students", "Student")
            cached = list(RoleAssignment.objects.filter(user=self, revoked_at__isnull=True)
                          .select_related(*RoleAssignment.SCOPE_RELATED).order_by("role", "id")
                          .defer(*student.encrypted_fields("student")))
            self._assignments_cache = cached
        return cached

    def grants(self) -> list[Grant]:
        """The user's role assignments as plain scope grants (ORG-3: the union is over these).

        Read once per request, and kept in the cache between requests under the user's ``roles_version`` (which
        every assignment and revocation bumps), so most requests make no query for them."""
        cached = getattr(self, "_grants_cache", None)
        if cached is None:
            from django.core.cache import cache

            key = self._cache_key("grants")
            cached = cache.get(key)
            if cached is None:
                cached = [a.as_grant() for a in self.active_assignments()]
                cache.set(key, cached, GRANTS_CACHE_SECONDS)
            self._grants_cache = cached
        return cached

    def role_codes(self) -> set[str]:
        return {g.role for g in self.grants()}

    def _cache_key(self, kind: str) -> str:
        # The role table is part of the key too (a role's permissions are data that a deployment may change).
        return f"suiban:{kind}:{self.pk}:{self.roles_version}:{hash(tuple(map(id, ROLES.values())))}"

    def role_lines(self) -> list["RoleLine"]:
        """The user's roles as the page shell shows them (role, scope name), without a query on most requests:
        kept in the cache beside the grants under the same ``roles_version`` stamp. A role scoped to one child
        is read afresh every time (a child's name is not put in the cache)."""
        cached = getattr(self, "_role_lines_cache", None)
        if cached is not None:
            return cached
        from django.core.cache import cache

        key = self._cache_key("role-lines")
        raw = cache.get(key)
        if raw is None:
            assignments = self.active_assignments()
            raw = [(a.role, a.scope_name if a.scope_type not in (SCOPE_ALL, SCOPE_STUDENT) else None)
                   for a in assignments]
            if not any(a.scope_type == SCOPE_STUDENT for a in assignments):
                cache.set(key, raw, GRANTS_CACHE_SECONDS)
            else:
                raw = [(a.role, a.scope_name) for a in assignments]
        self._role_lines_cache = [RoleLine(role, name) for role, name in raw]
        return self._role_lines_cache

    def audit_scope(self):
        return "", None


class RoleLine:
    """One role of the user as the shell lists it: ``role_label · scope_name`` (labels translated when shown)."""

    __slots__ = ("role", "_scope_name")

    def __init__(self, role: str, scope_name: str | None):
        self.role, self._scope_name = role, scope_name

    @property
    def role_label(self):
        return ROLES[self.role].label if self.role in ROLES else self.role

    @property
    def scope_name(self) -> str:
        return self._scope_name if self._scope_name is not None else str(_("Everything"))


class RoleAssignment(models.Model):
    """A role bound to a scope. Revoked, never deleted, so history stays attributable."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="role_assignments",
                             verbose_name=_("user"))
    role = models.CharField(_("role"), max_length=30)
    region = models.ForeignKey("org.Region", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+", verbose_name=_("region"))
    school = models.ForeignKey("org.School", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+", verbose_name=_("school"))
    school_class = models.ForeignKey("org.SchoolClass", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+", verbose_name=_("class"))
    student = models.ForeignKey("students.Student", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+", verbose_name=_("student"))
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    SCOPE_RELATED = ["region", "school", "school_class__school", "school_class__school_year", "student"]

    class Meta:
        ordering = ["user__username", "role", "id"]
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        indexes = [models.Index(fields=["user", "revoked_at"], name="roleassign_user_active_idx")]

    def __str__(self):
        return f"{self.role_label} · {self.scope_name}"

    @property
    def role_obj(self):
        return ROLES[self.role]

    @property
    def role_label(self):
        return ROLES[self.role].label if self.role in ROLES else self.role

    @property
    def scope_type(self) -> str:
        return ROLES[self.role].scope_type

    @property
    def scope_object(self):
        return {SCOPE_REGION: self.region, SCOPE_SCHOOL: self.school, SCOPE_CLASS: self.school_class,
                SCOPE_STUDENT: self.student}.get(self.scope_type)

    @property
    def scope_name(self) -> str:
        if self.scope_type == SCOPE_ALL:
            return str(_("Everything"))
        obj = self.scope_object
        return str(obj) if obj is not None else "—"

    def clean(self):
        if self.role not in ROLES:
            raise ValidationError({"role": _("Unknown role.")})
        needed = ROLES[self.role].scope_type
        given = {
            SCOPE_REGION: self.region_id, SCOPE_SCHOOL: self.school_id, SCOPE_CLASS: self.school_class_id,
            SCOPE_STUDENT: self.student_id,
        }
        fields = {SCOPE_REGION: "region", SCOPE_SCHOOL: "school", SCOPE_CLASS: "school_class",
                  SCOPE_STUDENT: "student"}
        for kind, value in given.items():
            if kind != needed and value:
                raise ValidationError({fields[kind]: _("This role is not bound to this kind of scope.")})
        if needed in given and not given[needed]:
            raise ValidationError({fields[needed]: _("This role needs a scope of this kind.")})

    def as_grant(self) -> Grant:
        role = ROLES[self.role]
        kind = role.scope_type
        if kind == SCOPE_REGION:
            return Grant(self.role, kind, role.permissions, region_id=self.region_id, region_path=self.region.path)
        if kind == SCOPE_SCHOOL:
            return Grant(self.role, kind, role.permissions, region_path=self.school.region_path,
                         school_id=self.school_id)
        if kind == SCOPE_CLASS:
            return Grant(self.role, kind, role.permissions, region_path=self.school_class.school.region_path,
                         school_id=self.school_class.school_id, class_id=self.school_class_id)
        if kind == SCOPE_STUDENT:
            return self.student_grant(role)
        return Grant(self.role, SCOPE_ALL, role.permissions)

    def student_grant(self, role) -> Grant:
        """A guardian's scope is their own child (and, for reference data, the child's class and school)."""
        s = self.student
        return Grant(self.role, SCOPE_STUDENT, role.permissions, region_path=s.region_path, school_id=s.school_id,
                     class_id=s.school_class_id, student_id=s.pk)


class ApiToken(models.Model):
    """A bearer token for the API; only its SHA-256 is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API token")

    def __str__(self):
        return f"{self.user_id} → {self.expires_at:%Y-%m-%d %H:%M}"

    @staticmethod
    def hash(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()


# --- second factor (SEC-1), secrets encrypted at rest (SEC-4) ------------------------------------------------
# django-otp's own TOTPDevice and StaticToken keep the authenticator keys and the recovery codes in clear: a copy
# of the database file alone would give every second factor. These devices are django-otp devices (its
# documented extension point: a model subclassing ``Device``), so its middleware, ``otp_login`` and throttling
# work unchanged; their secrets are stored with the field keys (``EncryptedTextField``) and re-encrypted by
# ``manage.py rotate_field_keys``. Migration 0005 moved the rows of the clear-text tables into them.


class EncryptedTOTPDevice(TimestampMixin, ThrottlingMixin, Device):
    """A TOTP authenticator (RFC 6238), the same fields and verification as django-otp's ``TOTPDevice``; the
    hex-encoded key is encrypted at rest."""

    key = EncryptedTextField(default=totp_models.default_key, validators=[totp_models.key_validator],
                             help_text="A hex-encoded secret key of up to 40 bytes.")
    step = models.PositiveSmallIntegerField(default=30)
    t0 = models.BigIntegerField(default=0)
    digits = models.PositiveSmallIntegerField(choices=[(6, 6), (8, 8)], default=6)
    tolerance = models.PositiveSmallIntegerField(default=1)
    drift = models.SmallIntegerField(default=0)
    last_t = models.BigIntegerField(default=-1)

    # The verification, throttling and otpauth URI of django-otp's TOTPDevice, which read the key through
    # ``bin_key`` only (the clear value of the field here).
    bin_key = totp_models.TOTPDevice.bin_key
    verify_token = totp_models.TOTPDevice.verify_token
    get_throttle_factor = totp_models.TOTPDevice.get_throttle_factor
    config_url = totp_models.TOTPDevice.config_url
    _read_str_from_settings = totp_models.TOTPDevice._read_str_from_settings

    class Meta(Device.Meta):
        verbose_name = _("authenticator")


class RecoveryCodeDevice(TimestampMixin, ThrottlingMixin, Device):
    """Single-use recovery codes (django-otp's static device), each stored encrypted."""

    def get_throttle_factor(self):
        return getattr(settings, "OTP_STATIC_THROTTLE_FACTOR", 1)

    def verify_token(self, token):
        """Uses up the matching code. The codes are compared after decryption (an encrypted column cannot be
        filtered on), in constant time."""
        allowed, _reason = self.verify_is_allowed()
        if not allowed:
            return False
        token = (token or "").encode()
        match = None
        for code in self.codes.all():
            if hmac.compare_digest(code.code.encode(), token) and match is None:
                match = code
        if match is None:
            self.throttle_increment()
            return False
        match.delete()
        self.throttle_reset(commit=False)
        self.set_last_used_timestamp(commit=False)
        self.save()
        return True

    class Meta(Device.Meta):
        verbose_name = _("recovery codes")


class RecoveryCode(models.Model):
    device = models.ForeignKey(RecoveryCodeDevice, related_name="codes", on_delete=models.CASCADE)
    code = EncryptedTextField()

    def __str__(self):
        return f"{self.device_id} · ********"  # never the code itself

    @staticmethod
    def random_code() -> str:
        return static_models.StaticToken.random_token()
