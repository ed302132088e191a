"""Shared fixtures: the demo world of API.md loaded once into the test database, named users per role,
and clients logged in as them (page session or API bearer token)."""

import importlib

import pytest
from django.test import Client

from suiban.demo import world as demo

DEMO_PASSWORD = demo.DEMO_PASSWORD


def pytest_configure(config):
    # Fast password hashing in tests: the demo accounts are created with it too (PBKDF2 stays in production).
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        demo.load()
    yield
    # Before the test database is dropped: end sessions a live-server or worker thread may have left
    # behind on PostgreSQL, which would otherwise block DROP DATABASE.
    with django_db_blocker.unblock():
        from django.db import connection

        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                               "WHERE datname = current_database() AND pid <> pg_backend_pid()")


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache: cached grants are keyed by user id and roles_version, which a rolled-back
    test may reuse."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


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

    def delete(self, url, **kw):
        return self.client.delete(url, **self.headers, **kw)

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


def _audit_triggers(create: bool) -> None:
    """Drop or (re)create the append-only triggers of the audit table (migrations core 0002 and 0003)."""
    from django.db import connection

    names = ["0002_audit_append_only_triggers", "0003_audit_replace_guard_and_archive_path"]
    migrations = [importlib.import_module(f"suiban.core.migrations.{n}") for n in names]
    vendor = {"postgresql": "POSTGRES", "sqlite": "SQLITE"}.get(connection.vendor, "")
    for migration in (migrations if create else reversed(migrations)):
        for sql in getattr(migration, vendor if create else f"{vendor}_REVERSE", []):
            with connection.cursor() as cursor:
                cursor.execute(sql)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """Let the live server's transactional database be flushed despite the append-only audit log.

    After a transactional test Django empties every table (DELETE on SQLite, TRUNCATE on PostgreSQL), which
    the audit triggers refuse. Around the teardown of each test here the triggers are dropped, and put back
    once the flush is done so later tests in the session see the protected table again.
    """
    marker = item.get_closest_marker("django_db")
    guarded = "transactional_db" in getattr(item, "fixturenames", ()) or bool(
        marker and marker.kwargs.get("transaction"))
    if guarded:
        from pytest_django.plugin import blocking_manager_key

        blocker = item.config.stash[blocking_manager_key]
        with blocker.unblock():
            _audit_triggers(create=False)
    try:
        return (yield)
    finally:
        if guarded and nextitem is not None:  # at the very end the test database is already gone
            with blocker.unblock():
                _audit_triggers(create=True)

