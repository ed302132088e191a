"""Shared fixtures: the demo world of API.md loaded once into the test database, named users per role,
and clients logged in as them (page session or API bearer token)."""

import pytest
from django.test import Client

from suiban.demo import world as demo

DEMO_PASSWORD = demo.DEMO_PASSWORD


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        demo.load()


@pytest.fixture(autouse=True)
def _fresh_policy_cache():
    from suiban.policy.resolve import invalidate

    invalidate()
    yield
    invalidate()


@pytest.fixture
def world(db):
    """The demo world (idempotent: reloaded if a transactional test emptied the database)."""
    return demo.load()


@pytest.fixture
def user_client(world):
    """user_client("hc_bureau") → a page client logged in as that demo account."""

    def make(username):
        c = Client()
        c.force_login(world.users[username])
        return c

    return make


class ApiClient:
    def __init__(self, token=None, language=None):
        self.client = Client()
        self.headers = {}
        if token:
            self.headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        if language:
            self.headers["HTTP_ACCEPT_LANGUAGE"] = language

    def get(self, url, **kw):
        return self.client.get(url, **self.headers, **kw)

    def post(self, url, data=None, **kw):
        return self.client.post(url, data, content_type="application/json", **self.headers, **kw)

    def patch(self, url, data=None, **kw):
        return self.client.patch(url, data, content_type="application/json", **self.headers, **kw)

    def post_multipart(self, url, data, **kw):
        return self.client.post(url, data, **self.headers, **kw)


@pytest.fixture
def api_client(world):
    """api_client("hc_bureau") → an API client with a bearer token of that demo account; api_client() → anonymous."""
    from suiban.accounts.services import token_issue

    def make(username=None, language=None):
        if username is None:
            return ApiClient(language=language)
        key, _tok = token_issue(user=world.users[username])
        return ApiClient(key, language=language)

    return make
