from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from suiban.accounts import otp, services
from suiban.accounts.forms import (
    LoginForm,
    OtpForm,
    PasswordChangeForm,
    PasswordResetForm,
    RoleAssignForm,
    UserCreateForm,
    UserEditForm,
)
from suiban.accounts.middleware import SESSION_KEY, idle_seconds
from suiban.accounts.models import RoleAssignment, User
from suiban.core.errors import DomainError, apply_to_form
from suiban.core.scoping import get_visible_or_404
from suiban.core.views import permission_required

OTP_PENDING = "suiban_otp_pending"
OTP_ENROL = "suiban_otp_enrol"
OTP_PENDING_SECONDS = 300


def _complete_login(request, user, next_url, device=None):
    import time

    if device is not None:
        user.otp_device = device  # django-otp marks the session as verified by this device
    login(request, user)
    request.session[SESSION_KEY] = time.time()
    if services.password_needs_change(user):
        request.session["suiban_password_expired"] = True
        return redirect("accounts:password_change")
    if device is None and otp.required_for(user):
        request.session[OTP_ENROL] = True  # SEC-1: the role requires a second factor; set it up first
        return redirect("accounts:otp")
    return redirect(next_url or "core:home")


def _safe_next(request):
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        next_url = ""
    return next_url


def login_view(request):
    next_url = _safe_next(request)
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.login_attempt(username=form.cleaned_data["username"],
                                          password=form.cleaned_data["password"], request=request)
        except DomainError as exc:
            form.add_error(None, str(exc.message))
        else:
            if otp.has_device(user):
                import time

                request.session[OTP_PENDING] = {"user": user.pk, "at": time.time(), "next": next_url}
                return redirect("accounts:login_otp")
            return _complete_login(request, user, next_url)
    return render(request, "accounts/login.html", {"form": form, "next": next_url})


def login_otp_view(request):
    """Second step of the login for an account with a second factor (SEC-1)."""
    import time

    pending = request.session.get(OTP_PENDING)
    if not pending or time.time() - pending["at"] > OTP_PENDING_SECONDS:
        request.session.pop(OTP_PENDING, None)
        return redirect("accounts:login")
    user = User.objects.filter(pk=pending["user"], is_active=True).first()
    if user is None:
        request.session.pop(OTP_PENDING, None)
        return redirect("accounts:login")
    form = OtpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = services.second_factor_check(user=user, token=form.cleaned_data["token"])
        except services.AccountLocked as exc:
            request.session.pop(OTP_PENDING, None)
            messages.error(request, exc.message)
            return redirect("accounts:login")
        except DomainError as exc:
            form.add_error("token", str(exc.message))
        else:
            request.session.pop(OTP_PENDING, None)
            return _complete_login(request, user, pending.get("next") or "", device=device)
    return render(request, "accounts/login_otp.html", {"form": form})


@login_required
def otp_view(request):
    """The person's own second factor: set up with a QR code, recovery codes, switch off (SEC-1)."""
    user = request.user
    context = {"enrolled": otp.has_device(user), "required": otp.required_for(user), "form": OtpForm()}
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "start":
                context["device"] = device = otp.enrol_start(actor=user)
                context["qr"], context["secret"] = otp.qr_svg(device), otp.secret_text(device)
            elif action == "confirm":
                form = OtpForm(request.POST)
                context["form"] = form
                if form.is_valid():
                    context["codes"] = otp.enrol_confirm(actor=user, token=form.cleaned_data["token"])
                    context["enrolled"] = True
                    request.session.pop(OTP_ENROL, None)
                    user.otp_device = otp.TOTPDevice.objects.filter(user=user, confirmed=True).first()
                    from django_otp import login as otp_login

                    otp_login(request, user.otp_device)
                    messages.success(request, _("The second factor is set up."))
                else:
                    device = otp.TOTPDevice.objects.filter(user=user, confirmed=False).first()
                    if device is not None:
                        context["device"] = device
                        context["qr"], context["secret"] = otp.qr_svg(device), otp.secret_text(device)
            elif action == "renew":
                context["codes"] = otp.recovery_codes_renew(actor=user)
            elif action == "remove":
                otp.remove(actor=user, user=user)
                messages.success(request, _("The second factor is switched off."))
                return redirect("accounts:otp")
        except DomainError as exc:
            if action == "confirm":
                context["form"].add_error("token", str(exc.message))
                device = otp.TOTPDevice.objects.filter(user=user, confirmed=False).first()
                if device is not None:
                    context["device"] = device
                    context["qr"], context["secret"] = otp.qr_svg(device), otp.secret_text(device)
            else:
                messages.error(request, exc.message)
    if context["enrolled"]:
        context["codes_left"] = otp.RecoveryCode.objects.filter(device__user=user).count()
    return render(request, "accounts/otp.html", context)


@require_POST
def logout_view(request):
    if request.user.is_authenticated:
        from suiban.core import audit

        audit.record(request.user, "accounts.logout", request.user)
    logout(request)
    messages.info(request, _("You have logged out."))
    return redirect("accounts:login")


@login_required
def password_change_view(request):
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.password_change(actor=request.user, user=request.user,
                                     old_password=form.cleaned_data["old_password"],
                                     new_password=form.cleaned_data["new_password1"])
        except DomainError as exc:
            apply_to_form(form, exc)
        else:
            from django.contrib.auth import update_session_auth_hash

            update_session_auth_hash(request, request.user)
            request.session.pop("suiban_password_expired", None)
            messages.success(request, _("Your password has been changed."))
            return redirect("core:home")
    return render(request, "accounts/password_change.html", {"form": form})


@require_GET
def session_status(request):
    """Seconds left before the idle timeout; polling this does not extend the session (SEC-1)."""
    import time

    if not request.user.is_authenticated:
        return JsonResponse({"authenticated": False, "remaining": 0})
    last = request.session.get(SESSION_KEY, time.time())
    remaining = max(0, int(idle_seconds() - (time.time() - last)))
    return JsonResponse({"authenticated": True, "remaining": remaining, "idle_seconds": idle_seconds()})


@require_POST
def session_keepalive(request):
    if not request.user.is_authenticated:
        return JsonResponse({"authenticated": False}, status=401)
    return JsonResponse({"authenticated": True, "remaining": idle_seconds()})


@permission_required("accounts.view")
def user_list(request):
    qs = User.objects.visible_to(request.user).prefetch_related("role_assignments")
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(Q(username__icontains=q) | Q(full_name__icontains=q))
    status = request.GET.get("status", "")
    if status == "active":
        qs = qs.filter(is_active=True)
    elif status == "disabled":
        qs = qs.filter(is_active=False)
    elif status == "locked":  # the home panel's "locked now" figure links here
        qs = qs.filter(locked_until__gt=timezone.now())
    elif status == "password_due":  # … and its "password change due" figure
        from datetime import timedelta

        from suiban import policy

        max_age = policy.value(None, "password_max_age_days")
        stale = Q(password_changed_at__isnull=True)
        if max_age:
            stale |= Q(password_changed_at__lt=timezone.now() - timedelta(days=max_age))
        qs = qs.filter(stale, is_active=True)
    role = request.GET.get("role", "")
    if role:
        qs = qs.filter(role_assignments__role=role, role_assignments__revoked_at__isnull=True).distinct()
    sort = request.GET.get("sort", "username")
    if sort.lstrip("-") in {"username", "full_name", "last_login"}:
        qs = qs.order_by(sort)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    from suiban.core.permissions import role_choices

    return render(request, "accounts/user_list.html", {
        "page": page, "q": q, "status": status, "role": role, "sort": sort, "roles": role_choices(),
    })


@permission_required("accounts.manage")
def user_create(request):
    form = UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.user_create(actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            apply_to_form(form, exc)
        else:
            messages.success(request, _("Account %(username)s created.") % {"username": user.username})
            return redirect("accounts:user_detail", pk=user.pk)
    return render(request, "core/form.html", {"form": form, "title": _("New account"),
                                              "crumbs": [(_("Accounts"), "accounts:user_list")]})


def _assignments(user):
    return (RoleAssignment.objects.filter(user=user)
            .select_related("region", "school", "school_class__school", "created_by", "revoked_by")
            .order_by("revoked_at", "-created_at"))


@permission_required("accounts.view")
def user_detail(request, pk):
    user = get_visible_or_404(User, request.user, pk)
    return render(request, "accounts/user_detail.html", {
        "subject": user, "assignments": _assignments(user), "subject_has_otp": otp.has_device(user),
        "role_form": RoleAssignForm(actor=request.user), "edit_form": UserEditForm(initial={
            "full_name": user.full_name, "phone": user.phone}),
        "reset_form": PasswordResetForm(),
    })


def _manage_post(request, pk, action):
    user = get_visible_or_404(User, request.user, pk, "accounts.manage")
    try:
        action(user)
    except DomainError as exc:
        messages.error(request, exc.message)
        for field, msgs in exc.field_errors().items():
            for m in msgs:
                if m != str(exc.message):
                    messages.error(request, f"{field}: {m}")
    return redirect("accounts:user_detail", pk=user.pk)


@require_POST
@permission_required("accounts.manage")
def user_edit(request, pk):
    form = UserEditForm(request.POST)

    def act(user):
        if not form.is_valid():
            raise DomainError(_("Please correct the errors below."))
        services.user_update(actor=request.user, user=user, **form.cleaned_data)
        messages.success(request, _("Account updated."))
    return _manage_post(request, pk, act)


@require_POST
@permission_required("accounts.manage")
def user_toggle_active(request, pk):
    def act(user):
        services.user_set_active(actor=request.user, user=user, active=not user.is_active)
        messages.success(request, _("Account enabled.") if user.is_active else _("Account disabled."))
    return _manage_post(request, pk, act)


@require_POST
@permission_required("accounts.manage")
def user_unlock(request, pk):
    def act(user):
        services.user_unlock(actor=request.user, user=user)
        messages.success(request, _("Account unlocked."))
    return _manage_post(request, pk, act)


@require_POST
@permission_required("accounts.manage")
def user_reset_password(request, pk):
    form = PasswordResetForm(request.POST)

    def act(user):
        if not form.is_valid():
            raise DomainError(_("Please enter a password."), field="password")
        services.user_reset_password(actor=request.user, user=user, password=form.cleaned_data["password"])
        messages.success(request, _("Password reset; the person must change it at next login."))
    return _manage_post(request, pk, act)


@require_POST
@permission_required("accounts.manage")
def role_assign(request, pk):
    form = RoleAssignForm(request.POST, actor=request.user)

    def act(user):
        if not form.is_valid():
            raise DomainError(_("Please choose a role and its scope."), field="role")
        services.role_assign(actor=request.user, user=user, **form.cleaned_data)
        messages.success(request, _("Role assigned."))
    return _manage_post(request, pk, act)


@require_POST
@permission_required("accounts.manage")
def role_revoke(request, pk, assignment_id):
    def act(user):
        ra = RoleAssignment.objects.filter(user=user, pk=assignment_id).first()
        if ra is None:
            raise DomainError(_("Not found"), code="not_found")
        services.role_revoke(actor=request.user, assignment=ra)
        messages.success(request, _("Role revoked."))
    return _manage_post(request, pk, act)


@require_POST
@permission_required("accounts.manage")
def user_otp_reset(request, pk):
    """The security administrator removes the second factor of someone who lost their phone (SEC-1)."""
    def act(user):
        otp.remove(actor=request.user, user=user)
        messages.success(request, _("Second factor removed; the person sets it up again at next login."))
    return _manage_post(request, pk, act)
