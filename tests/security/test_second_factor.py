"""SEC-1 second factor: TOTP enrolment with a QR code, recovery codes, the code asked at login and for API tokens,
compulsory for administrators and bureau officers when the ⚙ says so; security parameters installation-wide."""

import re

import pytest
from django.test import Client
from django.utils import timezone
from django_otp.oath import TOTP

from suiban.accounts import otp
from suiban.accounts import services as account_services
from suiban.accounts.models import ApiToken, User
from suiban.accounts.otp import TOTPDevice
from suiban.core.errors import DomainError
from suiban.core.models import AuditEvent
from suiban.policy.models import PolicyOverride
from suiban.policy.resolve import invalidate

STRONG = "Kx7#mQ9pLw2z"


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # django-otp also slows retries on a device after a wrong code (seconds); the lockout is what is tested here.
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.OTP_STATIC_THROTTLE_FACTOR = 0


def code(device, ahead=0):
    device.refresh_from_db()
    return TOTP(device.bin_key, device.step, device.t0, device.digits, drift=ahead).token()


def fmt(token):
    return f"{token:06d}"


@pytest.fixture
def person(world):
    def make(username, roles=()):
        secadmin = world.users["secadmin"]
        user = account_services.user_create(actor=secadmin, username=username, full_name=username, password=STRONG)
        User.objects.filter(pk=user.pk).update(password_changed_at=timezone.now())
        for role, scope in roles:
            account_services.role_assign(actor=secadmin, user=user, role=role, **scope)
        user.refresh_from_db()
        return user
    return make


def enrol(client):
    """Set up the authenticator through the page; returns (device, recovery codes)."""
    resp = client.post("/accounts/otp/", {"action": "start"})
    assert resp.status_code == 200
    assert "<svg" in resp.content.decode()
    device = TOTPDevice.objects.get(user=resp.wsgi_request.user, confirmed=False)
    resp = client.post("/accounts/otp/", {"action": "confirm", "token": fmt(code(device))})
    assert resp.status_code == 200
    return device, resp.context["codes"]


def login(username, password=STRONG):
    c = Client()
    resp = c.post("/accounts/login/", {"username": username, "password": password})
    return c, resp


def test_enrolment_page_shows_a_qr_code_and_gives_recovery_codes(person):
    """SEC-1: the page shows an inline SVG QR code of an otpauth URI and the key; the first correct code confirms
    the authenticator and ten recovery codes are shown once; the enrolment is audited."""
    user = person("otp_enrol")
    c = Client()
    c.force_login(user)
    resp = c.post("/accounts/otp/", {"action": "start"})
    body = resp.content.decode()
    assert "<svg" in body and re.search(r"[A-Z2-7]{4} [A-Z2-7]{4}", body)
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    assert device.config_url.startswith("otpauth://totp/")
    bad = c.post("/accounts/otp/", {"action": "confirm", "token": "000000" if fmt(code(device)) != "000000"
                                    else "111111"})
    assert bad.context["form"].errors["token"]
    assert not otp.has_device(user)
    resp = c.post("/accounts/otp/", {"action": "confirm", "token": fmt(code(device))})
    assert len(resp.context["codes"]) == 10
    assert otp.has_device(user)
    assert AuditEvent.objects.filter(action="accounts.otp.enrolled", object_id=str(user.pk)).exists()


def test_login_asks_for_the_code_after_the_password(person):
    """SEC-1: with a second factor the password alone does not log in; the right code does; a wrong code is a
    failed login."""
    user = person("otp_login")
    c = Client()
    c.force_login(user)
    device, _codes = enrol(c)
    c2, resp = login("otp_login")
    assert resp.status_code == 302 and resp["Location"] == "/accounts/login/otp/"
    assert "_auth_user_id" not in c2.session
    resp = c2.post("/accounts/login/otp/", {"token": "12345"})
    assert resp.status_code == 200 and "_auth_user_id" not in c2.session
    user.refresh_from_db()
    assert user.failed_login_count == 1
    resp = c2.post("/accounts/login/otp/", {"token": fmt(code(device, 1))})
    assert resp.status_code == 302
    assert c2.session["_auth_user_id"] == str(user.pk)
    user.refresh_from_db()
    assert user.failed_login_count == 0


def test_wrong_codes_lock_the_account_like_wrong_passwords(person):
    """SEC-1: five wrong codes after the right password lock the account (the password does not reset the count)."""
    user = person("otp_lock")
    c = Client()
    c.force_login(user)
    enrol(c)
    for _ in range(5):
        c2, _resp = login("otp_lock")
        c2.post("/accounts/login/otp/", {"token": "000001"})
    user.refresh_from_db()
    assert user.is_locked()


def test_a_recovery_code_works_once(person):
    """SEC-1: a recovery code replaces the phone once; used again it is refused."""
    user = person("otp_recovery")
    c = Client()
    c.force_login(user)
    _device, codes = enrol(c)
    c2, _resp = login("otp_recovery")
    assert c2.post("/accounts/login/otp/", {"token": codes[0]}).status_code == 302
    c3, _resp = login("otp_recovery")
    resp = c3.post("/accounts/login/otp/", {"token": codes[0]})
    assert resp.status_code == 200 and "_auth_user_id" not in c3.session


def test_api_token_needs_the_code_when_the_account_has_a_second_factor(person):
    """SEC-1 / API.md: POST /auth/token without `otp` answers 401 otp_required and issues no token; with the code
    it answers 200."""
    user = person("otp_api")
    c = Client()
    c.force_login(user)
    device, _codes = enrol(c)
    url = "/api/v1/auth/token"
    resp = Client().post(url, {"username": "otp_api", "password": STRONG}, content_type="application/json")
    assert resp.status_code == 401
    assert resp.json()["code"] == "otp_required"
    assert not ApiToken.objects.filter(user=user).exists()
    resp = Client().post(url, {"username": "otp_api", "password": STRONG, "otp": fmt(code(device, 1))},
                         content_type="application/json")
    assert resp.status_code == 200, resp.content


def test_policy_makes_the_second_factor_compulsory_for_administrators(person):
    """SEC-1 ⚙ otp_required_for_admins: when on, an administrator without a second factor is sent to set it up
    (other pages redirect there) and gets no API token; a class teacher is not concerned."""
    admin = person("otp_admin", roles=[("auditor", {})])
    PolicyOverride.objects.create(name="otp_required_for_admins", value=True, region=None, school=None)
    invalidate()
    c, resp = login("otp_admin")
    assert resp["Location"] == "/accounts/otp/"
    assert c.get("/audit/")["Location"] == "/accounts/otp/"
    resp = Client().post("/api/v1/auth/token", {"username": "otp_admin", "password": STRONG},
                         content_type="application/json")
    assert resp.status_code == 403 and resp.json()["code"] == "otp_required"
    device, _codes = enrol(c)
    assert c.get("/audit/").status_code == 200
    with pytest.raises(DomainError):
        otp.remove(actor=admin, user=admin)  # compulsory: the person cannot switch it off


def test_security_administrator_removes_a_lost_second_factor(world, person):
    """SEC-1: the security administrator removes the second factor of someone who lost their phone (audited)."""
    user = person("otp_lost")
    c = Client()
    c.force_login(user)
    enrol(c)
    sec = Client()
    sec.force_login(world.users["secadmin"])
    resp = sec.post(f"/accounts/users/{user.pk}/otp-reset/")
    assert resp.status_code == 302
    assert not otp.has_device(user)
    assert AuditEvent.objects.filter(action="accounts.otp.reset", object_id=str(user.pk)).exists()


def test_region_override_of_a_security_parameter_is_refused(world):
    """SEC-1 / item 10: security parameters apply to the whole installation; a region override (which could not
    be enforced on accounts that belong to no region) is refused with a Chinese message."""
    from suiban.policy import services as policy_services

    with pytest.raises(DomainError) as exc:
        policy_services.override_set(actor=world.users["hc_bureau"], name="lockout_attempts", value=50,
                                     region=world.regions["350205"])
    assert "整个" in str(exc.value.message) or any("整个" in str(e["message"]) for e in exc.value.errors)
    assert not PolicyOverride.objects.filter(name="lockout_attempts", region=world.regions["350205"]).exists()
