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
