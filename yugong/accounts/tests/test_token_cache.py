"""The per-process token cache of the API hot path (yugong.accounts.auth): what it saves and the
bounds it keeps — revocation at once, deactivation within API_TOKEN_CACHE_SECONDS, fresh user
objects per request, bounded size."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.helpers import UserFactory, requires_postgres
from yugong.accounts import auth
from yugong.accounts.models import ApiToken, User
from yugong.accounts.services import api_token_create, api_token_revoke

pytestmark = pytest.mark.django_db


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[Clock]:
    fake = Clock()
    monkeypatch.setattr(auth, "_clock", fake)
    auth.forget_all_tokens()
    yield fake
    auth.forget_all_tokens()


@pytest.fixture
def alice(db: Any) -> User:
    return UserFactory(username="alice", display_name="爱丽丝")


def _me(client: Client, token: str) -> Any:
    return client.get("/api/v1/accounts/me", HTTP_AUTHORIZATION=f"Bearer {token}")


def _token(user: User) -> str:
    return api_token_create(actor=user, user=user, name="脚本")[1]


def test_a_cached_token_costs_no_query(alice: User) -> None:
    token = _token(alice)
    client = Client()
    with CaptureQueriesContext(connection) as first:
        assert _me(client, token).status_code == 200
    with CaptureQueriesContext(connection) as second:
        assert _me(client, token).json()["username"] == "alice"
    tables = " ".join(q["sql"] for q in first.captured_queries)
    assert "accounts_apitoken" in tables
    # The first request looked the token up and touched last_used_at; the second needs neither.
    assert len(second.captured_queries) == len(first.captured_queries) - 2, second.captured_queries


def test_revoking_takes_effect_at_once_even_when_cached(alice: User) -> None:
    token = _token(alice)
    client = Client()
    assert _me(client, token).status_code == 200
    api_token_revoke(actor=alice, token=ApiToken.objects.get(user=alice))
    assert _me(client, token).status_code == 401


def test_revoking_in_another_process_takes_effect_within_the_bound(alice: User, clock: Clock) -> None:
    token = _token(alice)
    client = Client()
    assert _me(client, token).status_code == 200
    # Another process revokes: this process's cache is not told.
    ApiToken.objects.filter(user=alice).update(revoked_at="2026-01-01T00:00:00+08:00")
    clock.t += auth.DEFAULT_CACHE_SECONDS - 0.5
    assert _me(client, token).status_code == 200  # the documented bound, not longer
    clock.t += 1
    assert _me(client, token).status_code == 401


def test_deactivating_the_user_takes_effect_within_the_bound(alice: User, clock: Clock) -> None:
    token = _token(alice)
    client = Client()
    assert _me(client, token).status_code == 200
    User.objects.filter(pk=alice.pk).update(is_active=False)
    clock.t += auth.DEFAULT_CACHE_SECONDS + 0.1
    assert _me(client, token).status_code == 401
    # And it stays refused (the refusal is not cached as a success).
    assert _me(client, token).status_code == 401


def test_cache_off_means_every_request_checks(alice: User, settings: Any) -> None:
    settings.API_TOKEN_CACHE_SECONDS = 0
    token = _token(alice)
    client = Client()
    assert _me(client, token).status_code == 200
    User.objects.filter(pk=alice.pk).update(is_active=False)
    assert _me(client, token).status_code == 401
    assert auth._cache == {}


def test_every_request_gets_its_own_user_object(alice: User) -> None:
    token = _token(alice)
    first = auth.authenticate_token(token)
    assert first is not None
    first.display_name = "改过"
    first._yugong_merchants = {"rows": [(1, "owner")]}  # type: ignore[attr-defined]
    second = auth.authenticate_token(token)
    assert second is not None and second is not first
    assert second.display_name == "爱丽丝"
    assert not hasattr(second, "_yugong_merchants")
    assert second.pk == alice.pk and second._state.adding is False


def test_the_cache_is_bounded(alice: User, settings: Any) -> None:
    settings.API_TOKEN_CACHE_SIZE = 2
    tokens = [_token(alice) for _ in range(3)]
    for token in tokens:
        assert auth.authenticate_token(token) is not None
    assert len(auth._cache) == 2
    assert auth.hash_token(tokens[0]) not in auth._cache  # the oldest went


def test_unknown_and_foreign_tokens_are_not_cached(alice: User) -> None:
    assert auth.authenticate_token("yg_nope") is None
    assert auth.authenticate_token("Basic abc") is None
    assert auth._cache == {}


def test_last_used_is_touched_at_most_once_a_minute(alice: User) -> None:
    from datetime import timedelta

    from django.utils import timezone

    token = _token(alice)
    assert auth.authenticate_token(token) is not None
    first = ApiToken.objects.get(user=alice).last_used_at
    assert first is not None
    assert auth.authenticate_token(token) is not None
    assert ApiToken.objects.get(user=alice).last_used_at == first
    entry = auth._cache[auth.hash_token(token)]
    entry.last_used_at = timezone.now() - timedelta(seconds=auth.TOUCH_EVERY_S + 1)
    assert auth.authenticate_token(token) is not None
    assert ApiToken.objects.get(user=alice).last_used_at > first


def _fields(user: User) -> dict[str, Any]:
    return {f.attname: getattr(user, f.attname) for f in User._meta.concrete_fields}  # type: ignore[attr-defined]


@requires_postgres
def test_the_compiled_lookup_and_the_orm_agree(alice: User) -> None:
    """The twin test of the miss path: the statement compiled once gives what the ORM gives."""
    alice.phone = "13800138000"
    alice.last_login = timezone.now()
    alice.save()  # encrypted and blind-indexed as the fields do
    token = _token(alice)
    fast = auth._fetch(auth.hash_token(token))
    slow = auth._fetch_orm(auth.hash_token(token))
    assert fast is not None and slow is not None
    assert fast[:2] == slow[:2]
    assert _fields(fast[2]) == _fields(slow[2])
    assert fast[2].phone == "13800138000"  # decrypted like the field does
    assert not fast[2]._state.adding and fast[2]._state.db == slow[2]._state.db
    # the refusals agree too: unknown, revoked
    assert (
        auth._fetch(auth.hash_token("yg_unknown")) is None is auth._fetch_orm(auth.hash_token("yg_unknown"))
    )
    api_token_revoke(actor=alice, token=ApiToken.objects.get(user=alice))
    assert auth._fetch(auth.hash_token(token)) is None is auth._fetch_orm(auth.hash_token(token))


def test_a_miss_is_one_statement_and_gives_a_working_user(alice: User) -> None:
    token = _token(alice)
    auth.forget_all_tokens()
    with CaptureQueriesContext(connection) as ctx:
        user = auth.authenticate_token(token)
    assert user is not None and user.pk == alice.pk and user.display_name == "爱丽丝"
    reads = [q for q in ctx.captured_queries if q["sql"].startswith("SELECT")]
    assert len(reads) == 1 and "accounts_apitoken" in reads[0]["sql"]  # (+ the last_used_at touch)
    user.display_name = "爱丽丝2"
    user.save(update_fields=["display_name"])  # a usable model instance (saves by primary key)
    assert User.objects.get(pk=alice.pk).display_name == "爱丽丝2"
