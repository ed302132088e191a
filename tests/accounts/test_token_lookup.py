"""SEC-1: the bearer-token look-up (one written statement per request, ``accounts.services.token_user``) answers
only an unexpired token of an active account, with the account's fields read as the ORM reads them."""

from datetime import timedelta

import pytest
from django.utils import timezone

from suiban.accounts.models import ApiToken, User
from suiban.accounts.services import token_issue, token_user

pytestmark = pytest.mark.django_db


def test_a_valid_token_answers_its_account_with_its_fields(world):
    """SEC-1: the account comes back whole: dates are dates (SQLite stores text), flags are flags."""
    user = world.users["hc_bureau"]
    key, _tok = token_issue(user=user)
    found = token_user(key)
    assert found.pk == user.pk and found.username == user.username
    assert found.password_changed_at == User.objects.get(pk=user.pk).password_changed_at
    assert found.is_active is True and found.roles_version == user.roles_version


def test_an_expired_token_is_refused(world, api_client):
    """SEC-1: a token past its expiry opens nothing (401 on the API)."""
    key, tok = token_issue(user=world.users["hc_bureau"])
    ApiToken.objects.filter(pk=tok.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert token_user(key) is None
    from tests.conftest import ApiClient

    assert ApiClient(key).get("/api/v1/me").status_code == 401


def test_a_token_of_a_disabled_account_is_refused(world):
    """SEC-1, SEC-2: an inactive account's token (however it survived) opens nothing."""
    user = world.users["hc_s1_class"]
    key, _tok = token_issue(user=user)
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert token_user(key) is None


def test_an_unknown_token_is_refused(world):
    """SEC-1: a made-up token finds nothing."""
    assert token_user("not-a-token") is None
