from datetime import datetime

from ninja import Field, Router, Schema

from suiban.accounts import services
from suiban.core.permissions import SCOPE_ALL


class TokenIn(Schema):
    username: str = Field(..., max_length=150)
    password: str = Field(..., max_length=256)
    otp: str | None = Field(None, max_length=32, description="authenticator or recovery code, when the account has "
                                                              "a second factor")


class TokenOut(Schema):
    token: str
    expires_at: datetime


class ScopeOut(Schema):
    type: str
    id: int | None
    name: str


class RoleOut(Schema):
    role: str
    role_label: str
    scope: ScopeOut


class MeOut(Schema):
    username: str
    name: str
    roles: list[RoleOut]


router = Router(tags=["auth"])


@router.post("/auth/token", response=TokenOut, auth=None)
def token(request, payload: TokenIn):
    """Exchange username and password (and the authenticator code ``otp`` when the account has a second factor)
    for a bearer token. 401 bad credentials or code (``otp_required``), 423 locked (SEC-1)."""
    user = services.login_attempt(username=payload.username, password=payload.password, request=request)
    services.second_factor_check(user=user, token=payload.otp)
    key, tok = services.token_issue(user=user)
    return {"token": key, "expires_at": tok.expires_at}


@router.get("/me", response=MeOut)
def me(request):
    user = request.user
    roles = []
    for a in user.active_assignments():
        obj = a.scope_object
        kind = a.scope_type
        roles.append({
            "role": a.role, "role_label": str(a.role_label),
            "scope": {"type": "region" if kind == SCOPE_ALL else kind,
                      "id": obj.pk if obj is not None else None,
                      "name": a.scope_name},
        })
    return {"username": user.username, "name": user.display_name, "roles": roles}
