"""Second factor (SEC-1): time-based one-time codes (TOTP, any authenticator app) with recovery codes.

Optional for everyone; required for administrators and bureau officers when the ⚙ ``otp_required_for_admins``
is on. Enrolment shows a QR code; confirming it with a first code creates ten single-use recovery codes. Every
change is audited (SEC-3). The authenticator keys and the recovery codes are encrypted at rest with the field keys
(SEC-4, see ``suiban.accounts.models``).
"""

import segno
from django.db import transaction
from django.utils.translation import gettext as _

from suiban import policy
from suiban.accounts.models import EncryptedTOTPDevice as TOTPDevice
from suiban.accounts.models import RecoveryCode
from suiban.accounts.models import RecoveryCodeDevice as StaticDevice
from suiban.core import audit
from suiban.core.errors import DomainError, PermissionDenied
from suiban.core.permissions import ADMIN_ROLES

RECOVERY_CODES = 10
OTP_ROLES = ADMIN_ROLES | {"bureau_officer"}


def has_device(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def required_for(user) -> bool:
    """The ⚙ makes the second factor compulsory for the administrators and bureau officers (SEC-1)."""
    return bool(policy.value(None, "otp_required_for_admins")) and bool(user.role_codes() & OTP_ROLES)


def verify(user, token: str):
    """The device that accepts ``token`` (an authenticator code, or an unused recovery code, which is then used
    up), or None."""
    token = (token or "").strip().replace(" ", "")
    if not token:
        return None
    for device in TOTPDevice.objects.filter(user=user, confirmed=True):
        if token.isdigit() and device.verify_token(token):
            return device
    for device in StaticDevice.objects.filter(user=user, confirmed=True):
        if device.verify_token(token.lower()):
            audit.record(user, "accounts.otp.recovery_code_used", user)
            return device
    return None


def qr_svg(device: TOTPDevice) -> str:
    return segno.make(device.config_url, error="m").svg_inline(scale=4, dark="#000", light="#fff", border=2,
                                                               omitsize=False)


def secret_text(device: TOTPDevice) -> str:
    """The key in base 32, in groups of four, for typing into an app that cannot scan."""
    from base64 import b32encode

    raw = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(raw[i:i + 4] for i in range(0, len(raw), 4))


def enrol_start(*, actor) -> TOTPDevice:
    """A new, unconfirmed authenticator for ``actor`` (replacing an unconfirmed one from an earlier attempt)."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=actor, confirmed=False).delete()
        return TOTPDevice.objects.create(user=actor, name=_("Authenticator app"), confirmed=False)


def _new_recovery_codes(user) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=_("Recovery codes"), confirmed=True)
    codes = [RecoveryCode.random_code() for _i in range(RECOVERY_CODES)]
    RecoveryCode.objects.bulk_create([RecoveryCode(device=device, code=c) for c in codes])
    return codes


def enrol_confirm(*, actor, token: str) -> list[str]:
    """Confirm the pending authenticator with its first code; returns the recovery codes (shown once)."""
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().filter(user=actor, confirmed=False).first()
        if device is None:
            raise DomainError(_("Start the set-up again: no authenticator is waiting for confirmation."),
                              field="token")
        if not (token or "").strip().isdigit() or not device.verify_token(token.strip()):
            raise DomainError(_("The code is not correct. Check the phone's time and enter the current 6-digit "
                                "code."), field="token")
        TOTPDevice.objects.filter(user=actor, confirmed=True).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _new_recovery_codes(actor)
        audit.record(actor, "accounts.otp.enrolled", actor)
        return codes


def recovery_codes_renew(*, actor) -> list[str]:
    if not has_device(actor):
        raise DomainError(_("Set up the authenticator first."), field="token")
    with transaction.atomic():
        codes = _new_recovery_codes(actor)
        audit.record(actor, "accounts.otp.recovery_codes_renewed", actor)
        return codes


def remove(*, actor, user) -> None:
    """Remove a second factor: the person themselves (unless it is compulsory for them) or the security
    administrator for someone who lost their phone."""
    from suiban.core.scoping import has_perm

    own = actor.pk == user.pk
    if own and required_for(user):
        raise DomainError(_("The second factor is compulsory for your role; it cannot be switched off. Ask the "
                            "security administrator if you lost your phone."), field="token")
    if not own and not has_perm(actor, "accounts.manage"):
        raise PermissionDenied()
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        audit.record(actor, "accounts.otp.removed" if own else "accounts.otp.reset", user)
