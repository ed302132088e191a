"""Idle-session timeout and password expiry (SEC-1)."""

import time

from django.contrib import messages
from django.contrib.auth import logout
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from suiban import policy

SESSION_KEY = "suiban_last_activity"
# Polling the remaining time must not itself count as activity.
PASSIVE_PATHS = ("/accounts/session/status",)
EXEMPT_PREFIXES = ("/static/", "/i18n/")
STAMP_SECONDS = 15


def idle_seconds() -> int:
    return int(policy.value(None, "session_idle_minutes")) * 60


class IdleTimeoutMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated and hasattr(request, "session")
                and not request.path.startswith(EXEMPT_PREFIXES)):
            now = time.time()
            last = request.session.get(SESSION_KEY, now)  # a session without the stamp starts its clock now
            if now - last > idle_seconds():
                logout(request)
                if request.path.startswith("/api/") or request.headers.get("HX-Request") or \
                        request.path in PASSIVE_PATHS:
                    return JsonResponse({"status": 401, "code": "session_expired",
                                         "title": _("Your session has ended after a period of inactivity.")},
                                        status=401, content_type="application/problem+json")
                messages.warning(request, _("Your session has ended after a period of inactivity. "
                                            "Please log in again; the form you were typing has been kept."))
                return redirect(f"{reverse('accounts:login')}?{urlencode({'next': request.get_full_path()})}")
            # The stamp is rewritten when it is STAMP_SECONDS old (or on any non-GET request), not on every page:
            # rewriting it each time costs a session UPDATE per request. A session may so end up to STAMP_SECONDS
            # before the full idle period after the last page view, never later.
            if request.path not in PASSIVE_PATHS and (now - last >= STAMP_SECONDS or request.method != "GET"
                                                      or SESSION_KEY not in request.session):
                request.session[SESSION_KEY] = now
        return self.get_response(request)


class PasswordExpiryMiddleware:
    ALLOWED = ("/accounts/password/", "/accounts/logout/", "/accounts/session/", "/static/", "/i18n/", "/api/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not request.path.startswith(self.ALLOWED):
            if request.session.get("suiban_password_expired"):
                messages.warning(request, _("Your password has expired or was set by an administrator: "
                                            "please choose a new one."))
                return redirect("accounts:password_change")
            if request.session.get("suiban_otp_enrol") and not request.path.startswith("/accounts/otp/"):
                messages.warning(request, _("Your role requires a second factor: set up the authenticator app "
                                            "before you continue."))
                return redirect("accounts:otp")
        return self.get_response(request)
