"""Account services: login with lockout, tokens, password change, user and role management.

Every write validates, audits and is atomic (ARCHITECTURE §1); SEC-1, SEC-2, SEC-3.
"""

import secrets
from datetime import timedelta

from django.contrib.auth import authenticate, password_validation
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from suiban import policy
from suiban.accounts.models import ApiToken, RoleAssignment, User
from suiban.core import audit
from suiban.core.errors import DomainError, PermissionDenied
from suiban.core.permissions import ADMIN_ROLES, ROLES
from suiban.core.services import validate

TOKEN_HOURS = 12


class AccountLocked(DomainError):
    status = 423
    default_code = "account_locked"


class InvalidCredentials(DomainError):
    status = 401
    default_code = "invalid_credentials"


def _locked_message(user):
    minutes = max(1, int((user.locked_until - timezone.now()).total_seconds() // 60) + 1)
    return _("Too many failed logins: the account is locked. Try again in %(minutes)d minutes.") % {
        "minutes": minutes}


def login_attempt(*, username: str, password: str, request=None) -> User:
    """Check credentials with the lockout rule (SEC-1) and audit the attempt (SEC-3).

    After ``lockout_attempts`` consecutive failures the account is locked for
    ``lockout_minutes``; while locked even the right password is refused. The password is checked while the
    account's row is locked (SELECT … FOR UPDATE), so parallel guesses are counted one after the other and no
    more than ``lockout_attempts`` wrong passwords are ever tried before the lock.
    """
    if not User.objects.filter(username=username).exists():
        # Always run the hasher, so the response time does not reveal whether the username exists.
        authenticate(request, username=username, password=password)
        audit.record(None, "accounts.login.failed", None, result="failure", username=username,
                     object_type="user", object_id="", object_repr=username)
        raise InvalidCredentials(_("The username or password is incorrect."))
    outcome = None
    with transaction.atomic():
        user = User.objects.select_for_update().get(username=username)
        now = timezone.now()
        if user.is_locked(now):
            audit.record(None, "accounts.login.refused_locked", user, result="denied", username=username)
            outcome = AccountLocked(_locked_message(user))
        else:
            authed = authenticate(request, username=username, password=password)
            if authed is not None:
                from suiban.accounts import otp

                # With a second factor the failure count is cleared only once the code is right too.
                if not otp.has_device(authed):
                    User.objects.filter(pk=user.pk).update(failed_login_count=0, locked_until=None)
                    authed.failed_login_count, authed.locked_until = 0, None
                audit.record(authed, "accounts.login.succeeded", authed)
                return authed
            locked_until = _count_failure(user, now, "accounts.login.failed")
            outcome = (AccountLocked(_locked_message(user)) if locked_until
                       else InvalidCredentials(_("The username or password is incorrect.")))
    raise outcome


def _count_failure(user: User, now, action: str):
    """One more failure on the locked row ``user``; locks the account at the ⚙ count. Returns the lock's end."""
    attempts = policy.value(None, "lockout_attempts")
    minutes = policy.value(None, "lockout_minutes")
    count = 1 if (user.locked_until and user.locked_until <= now) else user.failed_login_count + 1
    locked_until = now + timedelta(minutes=minutes) if count >= attempts else None
    User.objects.filter(pk=user.pk).update(failed_login_count=count, locked_until=locked_until)
    user.failed_login_count, user.locked_until = count, locked_until
    if locked_until:
        audit.record(None, "accounts.account.locked", user, result="failure", username=user.username,
                     changes={"failed_login_count": count})
        _revoke_tokens(user)  # a locked account keeps no API access (SEC-1)
    audit.record(None, action, user, result="failure", username=user.username, object_type="user",
                 object_id=user.pk, object_repr=user.username)
    return locked_until


class SecondFactorRequired(DomainError):
    status = 401
    default_code = "otp_required"


def second_factor_check(*, user: User, token: str | None):
    """SEC-1: the authenticator (or recovery) code after a correct password. A wrong code counts as a failed
    login (the same lockout); returns the device that accepted the code, None when the account has none."""
    from suiban.accounts import otp

    if not otp.has_device(user):
        if otp.required_for(user):
            raise DomainError(_("Your role requires a second factor: set up the authenticator on the page "
                                "first."), code="otp_required", status=403, field="otp")
        return None
    device = otp.verify(user, token or "")
    if device is not None:
        User.objects.filter(pk=user.pk).update(failed_login_count=0, locked_until=None)
        audit.record(user, "accounts.otp.verified", user)
        return device
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if locked.is_locked():
            raise AccountLocked(_locked_message(locked))
        until = _count_failure(locked, timezone.now(), "accounts.login.otp_failed")
    if until:
        raise AccountLocked(_locked_message(locked))
    if token:
        raise SecondFactorRequired(_("The verification code is not correct."), field="otp")
    raise SecondFactorRequired(_("Enter the 6-digit code from your authenticator app (or a recovery code)."),
                               field="otp")


def token_issue(*, user: User) -> tuple[str, ApiToken]:
    key = secrets.token_urlsafe(32)
    tok = ApiToken.objects.create(user=user, key_hash=ApiToken.hash(key),
                                  expires_at=timezone.now() + timedelta(hours=TOKEN_HOURS))
    audit.record(user, "accounts.token.issued", user)
    return key, tok


def _token_lookup(connection):
    """(SQL, converters) of the token look-up on this connection: the account of an unexpired token, one
    statement written once per process instead of compiled by the ORM on every API request (the fixed cost of
    a request, issue "the fixed cost of a request halved"). Converters are the ORM's own (SQLite's dates)."""
    cached = _TOKEN_SQL.get(connection.alias)
    if cached is None:
        qn = connection.ops.quote_name
        fields = User._meta.concrete_fields
        cols = ", ".join(f"u.{qn(f.column)}" for f in fields)
        sql = (f"SELECT {cols} FROM {qn(ApiToken._meta.db_table)} t JOIN {qn(User._meta.db_table)} u "  # noqa: S608 — our own table and column names; values are parameters
               f"ON u.{qn('id')} = t.{qn('user_id')} WHERE t.{qn('key_hash')} = %s AND t.{qn('expires_at')} > %s")
        converters = []
        for i, f in enumerate(fields):
            col = f.get_col(User._meta.db_table)
            found = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
            if found:
                converters.append((i, col, found))
        cached = _TOKEN_SQL[connection.alias] = (sql, [f.attname for f in fields], converters)
    return cached


_TOKEN_SQL: dict = {}


def token_user(key: str) -> User | None:
    """The active account of an unexpired API token, or None."""
    from django.db import connections, router

    alias = router.db_for_read(User)
    connection = connections[alias]
    sql, names, converters = _token_lookup(connection)
    with connection.cursor() as cur:
        cur.execute(sql, [ApiToken.hash(key), connection.ops.adapt_datetimefield_value(timezone.now())])
        row = cur.fetchone()
    if row is None:
        return None
    row = list(row)
    for i, col, funcs in converters:
        for func in funcs:
            row[i] = func(row[i], col, connection)
    user = User.from_db(alias, names, row)
    return user if user.is_active else None


def _revoke_tokens(user: User) -> None:
    """SEC-1: a password change, a reset, a disabled or locked account ends every API token of the account."""
    ApiToken.objects.filter(user=user).delete()


class PasswordChangeRequired(DomainError):
    status = 403
    default_code = "password_change_required"


def password_needs_change(user: User) -> bool:
    """A temporary password (set at creation or by a reset) or one older than the ⚙ interval must be changed."""
    changed = user.password_changed_at
    if changed is None:
        return True
    max_age = policy.value(None, "password_max_age_days")
    return bool(max_age) and changed < timezone.now() - timedelta(days=max_age)


def api_user_check(user: User) -> User:
    """SEC-1 on the API: until a temporary or expired password is changed, no API call is answered."""
    if password_needs_change(user):
        raise PasswordChangeRequired(_("Your password has expired or was set by an administrator: change it on "
                                       "the password page before using the API."))
    return user


def password_change(*, actor: User, user: User, old_password: str | None, new_password: str) -> None:
    errors = []
    if old_password is not None and not user.check_password(old_password):
        errors.append({"field": "old_password", "code": "invalid", "message": _("The current password is wrong.")})
    try:
        password_validation.validate_password(new_password, user)
    except ValidationError as exc:
        errors += [{"field": "new_password1", "code": "weak", "message": str(m)} for m in exc.messages]
    if old_password is not None and new_password == old_password:
        errors.append({"field": "new_password1", "code": "unchanged",
                       "message": _("The new password must differ from the current one.")})
    if errors:
        raise DomainError(errors[0]["message"], errors=errors)
    with transaction.atomic():
        user.set_password(new_password)
        user.password_changed_at = timezone.now()
        user.save(update_fields=["password", "password_changed_at"])
        _revoke_tokens(user)
        audit.record(actor, "accounts.password.changed", user)


def _require_manager(actor):
    from suiban.core.scoping import has_perm

    if not has_perm(actor, "accounts.manage"):
        raise PermissionDenied()


def user_create(*, actor, username: str, full_name: str, password: str, phone: str = "") -> User:
    _require_manager(actor)
    with transaction.atomic():
        user = User(username=username.strip(), full_name=full_name.strip(), phone=phone.strip())
        errors = []
        if User.objects.filter(username=user.username).exists():
            errors.append({"field": "username", "code": "unique", "message": _("This username is taken.")})
        try:
            password_validation.validate_password(password, user)
        except ValidationError as exc:
            errors += [{"field": "password", "code": "weak", "message": str(m)} for m in exc.messages]
        if errors:
            raise DomainError(errors[0]["message"], errors=errors)
        user.set_password(password)
        # The person sets their own password at first login (password_changed_at stays empty).
        validate(user, exclude=["password"])
        user.save()
        audit.record(actor, "accounts.user.created", user,
                     changes={"username": [None, user.username], "full_name": [None, user.full_name]})
        return user


def user_update(*, actor, user: User, version=None, full_name: str, phone: str) -> User:
    _require_manager(actor)
    with transaction.atomic():
        before = audit.snapshot(user, ["full_name", "phone"])
        user.full_name, user.phone = full_name.strip(), phone.strip()
        validate(user, exclude=["password"])
        user.save(update_fields=["full_name", "phone"])
        audit.record(actor, "accounts.user.updated", user,
                     changes=audit.diff(before, audit.snapshot(user, ["full_name", "phone"])))
        return user


def user_set_active(*, actor, user: User, active: bool) -> User:
    """Disable or re-enable an account; accounts are never deleted (SEC-2)."""
    _require_manager(actor)
    if user.pk == actor.pk and not active:
        raise DomainError(_("You cannot disable your own account."), field="is_active")
    with transaction.atomic():
        user.is_active = active
        user.disabled_at = None if active else timezone.now()
        user.save(update_fields=["is_active", "disabled_at"])
        if not active:
            _revoke_tokens(user)
        audit.record(actor, "accounts.user.enabled" if active else "accounts.user.disabled", user,
                     changes={"is_active": [not active, active]})
        return user


def user_unlock(*, actor, user: User) -> User:
    _require_manager(actor)
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(failed_login_count=0, locked_until=None)
        user.refresh_from_db()
        audit.record(actor, "accounts.user.unlocked", user)
        return user


def user_reset_password(*, actor, user: User, password: str) -> User:
    _require_manager(actor)
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise DomainError(exc.messages[0], errors=[{"field": "password", "code": "weak", "message": str(m)}
                                                   for m in exc.messages]) from exc
    with transaction.atomic():
        user.set_password(password)
        user.password_changed_at = None  # must be changed at next login
        user.save(update_fields=["password", "password_changed_at"])
        _revoke_tokens(user)
        audit.record(actor, "accounts.password.reset", user)
        return user


def _roles_changed(user: User) -> None:
    """A role was assigned or revoked: bump the stamp the cached grants are keyed by (ORG-3, SEC-2)."""
    User.objects.filter(pk=user.pk).update(roles_version=F("roles_version") + 1)
    user.refresh_from_db(fields=["roles_version"])
    for attr in ("_grants_cache", "_assignments_cache", "_role_lines_cache"):
        user.__dict__.pop(attr, None)


def role_assign(*, actor, user: User, role: str, region=None, school=None, school_class=None, **extra):
    """Give ``user`` a role bound to a scope; a permission change, audited (SEC-3)."""
    _require_manager(actor)
    if role not in ROLES:
        raise DomainError(_("Unknown role."), field="role")
    _check_separation(actor, user, role)
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()  # one role change per account at a time
        _check_separation(actor, user, role)
        ra = RoleAssignment(user=user, role=role, region=region, school=school, school_class=school_class,
                            created_by=actor if actor and actor.is_authenticated else None, **extra)
        validate(ra, exclude=["user", "created_by", "revoked_by"])
        duplicate = RoleAssignment.objects.filter(
            user=user, role=role, region=region, school=school, school_class=school_class, revoked_at__isnull=True,
            **extra).exists()
        if duplicate:
            raise DomainError(_("The user already has this role in this scope."), field="role")
        ra.save()
        _roles_changed(user)
        audit.record(actor, "accounts.role.assigned", user,
                     changes={"role": [None, role], "scope": [None, ra.scope_name]})
        return ra


def _check_separation(actor, user: User, role: str) -> None:
    """SEC-2 separated duties: nobody changes their own roles; the system, security and audit administrators
    hold no data role, and a data role is never given to an administrator's account."""
    if actor is not None and getattr(actor, "pk", None) == user.pk:
        raise DomainError(_("You cannot change your own roles: another security administrator must do it."),
                          field="role", code="separation_of_duties", status=403)
    held = set(RoleAssignment.objects.filter(user=user, revoked_at__isnull=True).values_list("role", flat=True))
    if role in ADMIN_ROLES and held - ADMIN_ROLES:
        raise DomainError(_("An administrator account cannot hold roles that see student data: this account "
                            "already has such a role. Use a separate account for the administrator."),
                          field="role", code="separation_of_duties", status=403)
    if role not in ADMIN_ROLES and held & ADMIN_ROLES:
        raise DomainError(_("This is an administrator account: roles that see student data cannot be given to "
                            "it. Use the person's separate working account."),
                          field="role", code="separation_of_duties", status=403)


def role_revoke(*, actor, assignment: RoleAssignment) -> RoleAssignment:
    _require_manager(actor)
    if actor is not None and getattr(actor, "pk", None) == assignment.user_id:
        raise DomainError(_("You cannot change your own roles: another security administrator must do it."),
                          field="role", code="separation_of_duties", status=403)
    if assignment.revoked_at is not None:
        raise DomainError(_("This role was already revoked."), field="role")
    with transaction.atomic():
        assignment.revoked_at = timezone.now()
        assignment.revoked_by = actor
        assignment.save(update_fields=["revoked_at", "revoked_by"])
        _roles_changed(assignment.user)
        audit.record(actor, "accounts.role.revoked", assignment.user,
                     changes={"role": [assignment.role, None], "scope": [assignment.scope_name, None]})
        return assignment
