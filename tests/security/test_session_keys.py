"""SEC-4 attack: django_session held every open session's key in clear, so a copy of the database file alone let
anyone set the cookie and be signed in as each of those people (second factor included). The table now holds a
digest of the key; the key itself exists only in the person's cookie."""

import importlib

from django.apps import apps
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from suiban.accounts.models import User
from suiban.accounts.session_store import SessionStore, stored_key
from tests.conftest import DEMO_PASSWORD


def _login(world, username="hc_s1_leader"):
    User.objects.filter(pk=world.users[username].pk).update(password_changed_at=timezone.now())
    c = Client()
    resp = c.post("/accounts/login/", {"username": username, "password": DEMO_PASSWORD})
    assert resp.status_code == 302, resp
    return c, c.cookies[settings.SESSION_COOKIE_NAME].value


def _signed_in(cookie_value) -> bool:
    c = Client()
    c.cookies[settings.SESSION_COOKIE_NAME] = cookie_value
    return c.get("/").wsgi_request.user.is_authenticated


def test_the_session_table_holds_no_usable_session_key(world):
    """SEC-4: after login the cookie's key is nowhere in django_session; the stored digest, used as a cookie,
    signs nobody in; the real cookie keeps working; logging out deletes the row."""
    c, key = _login(world)
    assert not Session.objects.filter(session_key=key).exists()
    assert Session.objects.filter(session_key=stored_key(key)).exists()
    assert all(row != key for row in Session.objects.values_list("session_key", flat=True))
    assert c.get("/").wsgi_request.user.is_authenticated
    assert not _signed_in(stored_key(key))
    c.post("/accounts/logout/")
    assert not Session.objects.filter(session_key=stored_key(key)).exists()
    assert not _signed_in(key)


def test_sessions_open_at_the_upgrade_stay_open_under_their_digest(world):
    """SEC-4: the migration replaces the clear keys of the open sessions by their digests; nobody is signed out."""
    user = world.users["hc_s1_leader"]
    User.objects.filter(pk=user.pk).update(password_changed_at=timezone.now())
    c, key = _login(world)
    row = Session.objects.get(session_key=stored_key(key))
    Session.objects.filter(pk=row.pk).update(session_key=key)  # as Django's own backend had stored it
    assert not _signed_in(key)
    migration = importlib.import_module("suiban.accounts.migrations.0006_session_keys_stored_hashed")
    migration.hash_open_session_keys(apps, None)
    assert not Session.objects.filter(session_key=key).exists()
    assert _signed_in(key)


def test_the_store_creates_reads_and_deletes_by_digest(db):
    """SEC-4: the backend's own operations (create, exists, load, delete) all go through the digest."""
    store = SessionStore()
    store["answer"] = 42
    store.save()
    key = store.session_key
    assert store.exists(key) and not Session.objects.filter(session_key=key).exists()
    assert SessionStore(key).load() == {"answer": 42}
    assert SessionStore(stored_key(key)).load() == {}
    store.delete()
    assert not store.exists(key)
