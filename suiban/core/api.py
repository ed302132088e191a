"""The API at /api/v1/ (API.md): token or session auth, problem+json errors, page/page_size lists."""

import json

from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import APIKeyCookie, HttpBearer

from suiban.core.errors import TITLES, DomainError


class BearerAuth(HttpBearer):
    def authenticate(self, request, token):
        from suiban.accounts.services import token_user

        user = token_user(token)
        if user is not None:
            request.user = user
        return user


class SessionAuth(APIKeyCookie):
    """Browser sessions (cookie + CSRF) work on the same endpoints."""

    param_name = "sessionid"

    def __init__(self):
        from django.conf import settings

        self.param_name = settings.SESSION_COOKIE_NAME
        super().__init__(csrf=True)

    def authenticate(self, request, key):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return user
        return None


api = NinjaAPI(
    title="Suiban API",
    version="1",
    description="随班就读管理平台 API — see API.md",
    urls_namespace="api",
    auth=[BearerAuth(), SessionAuth()],
    docs_url="/docs",
    openapi_url="/openapi.json",
)


def problem(status: int, code: str, title=None, detail=None, errors=None) -> HttpResponse:
    body = {
        "status": status,
        "code": code,
        "title": str(title or TITLES.get(code, code)),
        "detail": str(detail if detail is not None else (title or TITLES.get(code, code))),
        "errors": [
            {k: (str(v) if k == "message" else v) for k, v in e.items()} for e in (errors or [])
        ],
    }
    return HttpResponse(json.dumps(body, ensure_ascii=False), status=status,
                        content_type="application/problem+json; charset=utf-8")


@api.exception_handler(DomainError)
def _domain_error(request, exc: DomainError):
    return problem(exc.status, exc.code, exc.title, exc.message, exc.errors)


@api.exception_handler(Http404)
def _not_found(request, exc):
    return problem(404, "not_found", detail=_("The object does not exist or is outside your scope."))


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, exc):
    return problem(401, "not_authenticated", detail=_("Log in or send a valid bearer token."))


PYDANTIC_MESSAGES = {
    "missing": "This field is required.",
    "int_parsing": "Enter a whole number.",
    "int_type": "Enter a whole number.",
    "greater_than_equal": "The value is too small.",
    "less_than_equal": "The value is too large.",
    "date_from_datetime_parsing": "Enter a valid date (YYYY-MM-DD).",
    "date_parsing": "Enter a valid date (YYYY-MM-DD).",
    "string_too_long": "The text is too long.",
    "literal_error": "Choose one of the allowed values.",
    "enum": "Choose one of the allowed values.",
}


@api.exception_handler(NinjaValidationError)
def _validation(request, exc: NinjaValidationError):
    errors = []
    for e in exc.errors:
        loc = [str(p) for p in e.get("loc", []) if p not in ("body", "query", "path", "payload", "form")]
        msg = PYDANTIC_MESSAGES.get(e.get("type", ""))
        errors.append({"field": ".".join(loc), "code": e.get("type", "invalid"),
                       "message": _(msg) if msg else _("The value is not valid.")})
    return problem(422, "validation_error", detail=errors[0]["message"] if errors else None, errors=errors)


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    code = {401: "not_authenticated", 403: "permission_denied", 404: "not_found"}.get(exc.status_code, "error")
    return problem(exc.status_code, code, detail=str(exc))


class PageIn(Schema):
    page: int = Field(1, ge=1)
    page_size: int = Field(50, ge=1, le=500)


def paginate(qs, page: PageIn, serialize):
    total = qs.count()
    start = (page.page - 1) * page.page_size
    items = [serialize(o) for o in qs[start:start + page.page_size]]
    return {"count": total, "items": items}


def require(request, perm: str):
    from suiban.core.errors import PermissionDenied
    from suiban.core.scoping import has_perm

    if not has_perm(request.user, perm):
        raise PermissionDenied(_("Your roles do not allow this."))


def _mount():
    from suiban.accounts.api import router as accounts_router
    from suiban.core.audit_api import router as audit_router
    from suiban.org.api import router as org_router
    from suiban.policy.api import router as policy_router

    api.add_router("", accounts_router)
    api.add_router("", org_router)
    api.add_router("", policy_router)
    api.add_router("", audit_router)


_mount()
