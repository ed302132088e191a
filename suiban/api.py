"""The API at /api/v1/ (API.md): token or session auth, problem+json errors, page/page_size lists."""


from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import DataError
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.openapi.docs import Swagger
from ninja.security import APIKeyCookie, HttpBearer

from suiban.core.api_tools import PageIn, paginate, problem, require  # noqa: F401  (re-exported)
from suiban.core.errors import DomainError


class BearerAuth(HttpBearer):
    def __call__(self, request):
        value = request.headers.get(self.header)
        if value and value.split(" ")[0].lower() != self.openapi_scheme:
            raise AuthenticationError()  # an Authorization header of another kind is a bad credential too
        return super().__call__(request)

    def authenticate(self, request, token):
        from suiban.accounts.services import api_user_check, token_user

        user = token_user(token)
        if user is None:
            # A bearer token was sent but is not valid: 401, whatever the method (never the session's CSRF check).
            raise AuthenticationError()
        request.user = user
        return api_user_check(user)


class SessionAuth(APIKeyCookie):
    """Browser sessions (cookie + CSRF) work on the same endpoints."""

    param_name = "sessionid"

    def __init__(self):
        from django.conf import settings

        self.param_name = settings.SESSION_COOKIE_NAME
        super().__init__(csrf=True)

    def authenticate(self, request, key):
        from suiban.accounts.services import api_user_check

        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return api_user_check(user)
        return None


class LocalSwagger(Swagger):
    """Swagger UI from the installation's own static files (npm swagger-ui-dist), never from a CDN (SEC-5)."""

    def render_page(self, request, api, **kwargs):
        import json

        from django.shortcuts import render

        self.settings["url"] = self.get_openapi_url(api, kwargs)
        return render(request, "api/swagger.html", {"swagger_settings": json.dumps(self.settings), "api": api,
                                                    "add_csrf": True})


PROBLEM_SCHEMA = {
    "type": "object",
    "title": "Problem",
    "description": "application/problem+json (API.md Conventions)",
    "required": ["status", "code", "title", "detail", "errors"],
    "properties": {
        "status": {"type": "integer"},
        "code": {"type": "string"},
        "title": {"type": "string"},
        "detail": {"type": "string"},
        "errors": {"type": "array", "items": {
            "type": "object", "required": ["field", "code", "message"],
            "properties": {"field": {"type": ["string", "null"]}, "code": {"type": "string"},
                           "message": {"type": "string"}}}},
    },
}
PROBLEM_ANSWERS = {
    "401": "Not logged in, a bad or expired token, or a wrong second-factor code",
    "403": "The roles do not allow this, or the password must be changed first",
    "404": "The object does not exist or is outside the caller's scope",
    "409": "Someone else changed the record (version conflict)",
    "413": "The request body is too large",
    "422": "The input is not valid (one entry per field in errors)",
    "423": "The account is locked after too many failed logins",
}


class SuibanAPI(NinjaAPI):
    """The OpenAPI document also lists the error answers every operation may give, as problem+json."""

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
        ref = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
        for item in schema.get("paths", {}).values():
            for method, operation in item.items():
                if method not in ("get", "post", "put", "patch", "delete"):
                    continue
                codes = ["401", "403", "404", "422"]
                if method in ("post", "put", "patch"):
                    codes += ["409", "413"]
                if operation.get("operationId", "").endswith("_token"):
                    codes.append("423")
                for code in codes:
                    operation.setdefault("responses", {}).setdefault(
                        code, {"description": PROBLEM_ANSWERS[code], "content": ref})
        return schema


api = SuibanAPI(
    title="Suiban API",
    version="1",
    description="随班就读管理平台 API — see API.md",
    urls_namespace="api",
    auth=[BearerAuth(), SessionAuth()],
    docs_url="/docs",
    docs=LocalSwagger(),
    openapi_url="/openapi.json",
)


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
    "missing": gettext_noop("This field is required."),
    "int_parsing": gettext_noop("Enter a whole number."),
    "int_type": gettext_noop("Enter a whole number."),
    "greater_than_equal": gettext_noop("The value is too small."),
    "less_than_equal": gettext_noop("The value is too large."),
    "date_from_datetime_parsing": gettext_noop("Enter a valid date (YYYY-MM-DD)."),
    "date_parsing": gettext_noop("Enter a valid date (YYYY-MM-DD)."),
    "string_too_long": gettext_noop("The text is too long."),
    "literal_error": gettext_noop("Choose one of the allowed values."),
    "int_from_float": gettext_noop("Enter a whole number."),
    "bool_parsing": gettext_noop("Enter true or false."),
    "bool_type": gettext_noop("Enter true or false."),
    "string_type": gettext_noop("Enter text."),
    "list_type": gettext_noop("Enter a list."),
    "json_invalid": gettext_noop("The request body is not valid JSON."),
    "model_attributes_type": gettext_noop("The request body is not valid."),
    "enum": gettext_noop("Choose one of the allowed values."),
}


def _field_path(loc: list[str]) -> str:
    """["goals", "0", "short_term", "1", "baseline"] → "goals[0].short_term[1].baseline" — the notation the
    services use for a field inside a list, so that every 422 names nested fields the same way."""
    out = ""
    for p in loc:
        out += f"[{p}]" if p.isdigit() and out else (f".{p}" if out else p)
    return out


@api.exception_handler(NinjaValidationError)
def _validation(request, exc: NinjaValidationError):
    errors = []
    for e in exc.errors:
        loc = [str(p) for p in e.get("loc", []) if p not in ("body", "query", "path", "payload", "form")]
        # Union members add their type to the path ("certified_by.literal['dpf']"): report the field itself.
        loc = [p for p in loc if not p.startswith(("literal[", "function-", "nullable[", "constrained-"))
               and p not in ("str", "int", "date", "none", "bool")]
        msg = PYDANTIC_MESSAGES.get(e.get("type", ""))
        errors.append({"field": _field_path(loc), "code": e.get("type", "invalid"),
                       "message": _(msg) if msg else _("The value is not valid.")})
    return problem(422, "validation_error", detail=errors[0]["message"] if errors else None, errors=errors)


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    if exc.status_code == 400:  # e.g. a body that is not valid JSON: a validation failure (API.md: 422)
        return problem(422, "validation_error", detail=_("The request body is not valid JSON."),
                       errors=[{"field": "body", "code": "invalid_json",
                                "message": _("The request body is not valid JSON.")}])
    if exc.status_code == 403 and "CSRF" in str(exc):
        return problem(403, "permission_denied", detail=_("The CSRF check failed: reload the page and try again."))
    code = {401: "not_authenticated", 403: "permission_denied", 404: "not_found"}.get(exc.status_code, "error")
    return problem(exc.status_code, code, detail=str(exc))


@api.exception_handler(RequestDataTooBig)
def _too_big(request, exc):
    """A request body over DATA_UPLOAD_MAX_MEMORY_SIZE (SEC-5): 413, not a crash."""
    return problem(413, "payload_too_large", detail=_("The request is too large: send at most %(mb)s MB of text.")
                   % {"mb": settings.DATA_UPLOAD_MAX_MEMORY_SIZE // (1024 * 1024)})


@api.exception_handler(OverflowError)
@api.exception_handler(DataError)
def _data_error(request, exc):
    """A value the database cannot hold (e.g. an identifier beyond its integer range) is bad input, not a crash."""
    return problem(422, "validation_error", detail=_("A value is out of range."),
                   errors=[{"field": None, "code": "out_of_range", "message": _("A value is out of range.")}])


@api.exception_handler(Exception)
def _unexpected(request, exc):
    """Anything unforeseen: logged with its traceback, answered as problem+json without internals."""
    import logging

    logging.getLogger("suiban.api").exception("unhandled error in %s %s", request.method, request.path)
    return problem(500, "server_error", title=_("Server error"),
                   detail=_("Something went wrong; it has been logged. Please try again later."))


def _mount():
    from suiban.accounts.api import router as accounts_router
    from suiban.core.audit_api import router as audit_router
    from suiban.org.api import router as org_router
    from suiban.policy.api import router as policy_router
    from suiban.students.api import router as students_router
    from suiban.students.roster.api import router as roster_router

    api.add_router("", accounts_router)
    api.add_router("", org_router)
    api.add_router("", policy_router)
    api.add_router("", audit_router)
    api.add_router("", roster_router)
    api.add_router("", students_router)
    api.add_router("", "suiban.students.cases.api.router")
    from suiban.iep.api import router as iep_router
    api.add_router("", iep_router)
    from suiban.staff.api import router as staff_router
    api.add_router("", staff_router)
    from suiban.funds.api import router as funds_router
    api.add_router("", funds_router)
    from suiban.homebound.api import router as homebound_router
    api.add_router("", homebound_router)
    from suiban.rooms.api import router as rooms_router
    api.add_router("", rooms_router)
    from suiban.oversight.api import router as oversight_router
    api.add_router("", oversight_router)
    from suiban.core.inbox_api import router as inbox_router
    api.add_router("", inbox_router)
    from suiban.search import router as search_router
    api.add_router("", search_router)


_mount()
