"""Browser journey of the security hardening: the Content-Security-Policy breaks no page script (SEC-5), the
second factor is set up with the QR code and then asked at login (SEC-1), Swagger UI runs from local files."""

import pytest
from django_otp.oath import TOTP

from suiban.accounts.otp import TOTPDevice

pytestmark = pytest.mark.e2e


def _code(user, ahead=0):
    device = TOTPDevice.objects.get(user=user)
    return f"{TOTP(device.bin_key, device.step, device.t0, device.digits, drift=ahead).token():06d}"


def test_second_factor_set_up_and_login_under_the_csp(server, page, new_page, ui, e2e_world, settings):
    """SEC-1/SEC-5: the bureau officer sets up the authenticator (QR code on the page), gets recovery codes, logs
    in again with password and code; no script error or CSP violation on the way; Swagger UI renders."""
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    violations = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    ui.login(page, server, "hc_bureau")
    page.goto(f"{server}/accounts/otp/")
    page.locator("#sb-otp-start").click()
    page.wait_for_selector(".sb-qr svg")
    ui.shot(page, "security-otp-enrol")
    user = e2e_world.users["hc_bureau"]
    page.locator("#id_token").fill(_code(user))
    page.locator("#sb-otp-confirm").click()
    page.wait_for_selector("#sb-recovery-codes")
    ui.shot(page, "security-otp-recovery-codes")
    assert page.locator("#sb-recovery-codes li").count() == 10

    other = new_page(viewport=ui.PHONE)
    other.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    other.goto(f"{server}/accounts/login/")
    other.locator("#id_username").fill("hc_bureau")
    from suiban.demo.world import DEMO_PASSWORD

    other.locator("#id_password").fill(DEMO_PASSWORD)
    other.locator("form:has(#id_username) button[type=submit]").click()
    other.wait_for_url(f"{server}/accounts/login/otp/")
    ui.shot(other, "security-otp-login-phone")
    other.locator("#id_token").fill(_code(user, 1))
    other.locator("#sb-otp-submit").click()
    other.wait_for_url(f"{server}/")

    page.goto(f"{server}/api/v1/docs")
    page.wait_for_selector(".swagger-ui .opblock", timeout=20_000)
    ui.shot(page, "security-swagger-local", axe=False)  # the third-party API console, not a user page
    assert page.js_errors == [] and other.js_errors == []
    assert violations == []
