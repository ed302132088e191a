"""Keeps the current request in a context variable so that services can stamp
audit rows with the client address without every signature carrying it."""

from contextvars import ContextVar

from django.conf import settings

_current_request: ContextVar = ContextVar("suiban_request", default=None)


def current_request():
    return _current_request.get()


def client_address(request=None) -> str:
    request = request or current_request()
    if request is None:
        return ""
    proxies = getattr(settings, "SUIBAN_NUM_PROXIES", 0)
    if proxies:
        forwarded = [p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if p.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "")


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _current_request.set(request)
        try:
            return self.get_response(request)
        finally:
            _current_request.reset(token)


class ApiProblemMiddleware:
    """Errors raised outside the API's routes (an unknown /api/v1/ path, a method an endpoint does not take)
    are answered as application/problem+json like every other API error (API.md)."""

    CODES = {404: "not_found", 405: "method_not_allowed"}

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (request.path.startswith("/api/") and response.status_code in self.CODES
                and "json" not in response.get("Content-Type", "")):
            from django.utils.translation import gettext as _

            from suiban.core.api_tools import problem

            detail = (_("The object does not exist or is outside your scope.") if response.status_code == 404
                      else _("This method is not allowed here."))
            new = problem(response.status_code, self.CODES[response.status_code], detail=detail)
            if response.has_header("Allow"):
                new["Allow"] = response["Allow"]
            return new
        return response


class OutOfRangeMiddleware:
    """A page filter or id beyond the database's integer range (``?school=99999999999999999999``) is a missing
    object (404), not a server error (SEC-5). The API answers such values itself (422)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        from django.db import DataError

        if isinstance(exception, OverflowError | DataError) and not request.path.startswith("/api/"):
            from django.shortcuts import render

            return render(request, "404.html", status=404)
        return None
