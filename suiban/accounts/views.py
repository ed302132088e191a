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

from suiban.accounts import services
from suiban.accounts.forms import (
    LoginForm,
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


def login_view(request):
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        next_url = ""
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.login_attempt(username=form.cleaned_data["username"],
                                          password=form.cleaned_data["password"], request=request)
        except DomainError as exc:
            form.add_error(None, str(exc.message))
        else:
            login(request, user)
            import time

            request.session[SESSION_KEY] = time.time()
            if services.password_needs_change(user):
                request.session["suiban_password_expired"] = True
                return redirect("accounts:password_change")
            return redirect(next_url or "core:home")
    return render(request, "accounts/login.html", {"form": form, "next": next_url})


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
        "subject": user, "assignments": _assignments(user),
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
