"""The write-behind of fresh token rows into the shared Redis cache (``yugong.accounts.token_store``):
a token's first call no longer waits for the cache store, and the cache's rules still hold — the
store never overwrites a tombstone, a row that waited too long is never stored, the local layer keeps
only what the shared cache took, a revocation racing the calls wins, Redis down costs nothing but
the next call's database read."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.helpers import UserFactory, requires_postgres
from yugong.accounts import auth, token_local, token_store
from yugong.accounts.models import User
from yugong.accounts.services import api_token_create, api_token_revoke

from .token_race import assert_no_request_succeeds_after_the_revocation

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _behind(settings: Any) -> Iterator[None]:
    if not hasattr(cache, "client") or not hasattr(cache.client, "get_client"):
        pytest.skip("needs the shared Redis cache (make test points the PostgreSQL run at Redis)")
    settings.API_TOKEN_STORE_BEHIND = True
    settings.API_TOKEN_LOCAL_SECONDS = 0
    auth._touched.clear()
    token_local.clear()
    yield
    assert token_store.flush()
    token_local.clear()


@pytest.fixture
def alice(db: Any) -> User:
    return UserFactory(username="alice", display_name="爱丽丝")


def _token(user: User) -> str:
    return api_token_create(actor=user, user=user, name="脚本")[1]


def _entry(token: str) -> Any:
    return cache.get(auth._key(auth.hash_token(token)))


def test_a_first_call_queues_the_store_and_the_next_call_is_a_cache_hit(alice: User) -> None:
    token = _token(alice)
    client = Client()
    with CaptureQueriesContext(connection) as first:
        assert client.get("/api/v1/accounts/me", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200
    assert [q for q in first.captured_queries if "accounts_apitoken" in q["sql"]]
    assert token_store.flush()
    assert isinstance(_entry(token), auth.Row)  # stored by the writer, in the cache's own format
    with CaptureQueriesContext(connection) as second:
        assert (
            client.get("/api/v1/accounts/me", HTTP_AUTHORIZATION=f"Bearer {token}").json()["username"]
            == "alice"
        )
    assert [q for q in second.captured_queries if "accounts_apitoken" in q["sql"]] == []


def test_the_request_does_not_wait_for_the_store(alice: User, monkeypatch: pytest.MonkeyPatch) -> None:
    """While the writer is stuck sending (Redis slow), a first call still answers at once; the row
    lands when the writer gets through."""
    token = _token(alice)
    release = threading.Event()
    entered = threading.Event()
    real = token_store._send

    def slow_send(batch: list[Any]) -> None:
        entered.set()
        assert release.wait(5)
        real(batch)

    monkeypatch.setattr(token_store, "_send", slow_send)
    assert auth.authenticate_token(token) is not None  # returned although nothing was sent yet
    assert entered.wait(5) and _entry(token) is None
    release.set()
    assert token_store.flush()
    assert isinstance(_entry(token), auth.Row)


def test_the_store_never_overwrites_a_tombstone(alice: User) -> None:
    """A revocation that wrote its tombstone before the queued store went out wins: nothing is
    stored, the local layer keeps nothing, the next call asks the database and is refused."""
    token = _token(alice)
    key_hash = auth.hash_token(token)
    row = auth._fetch(key_hash, auth.timezone.now())
    assert row is not None
    kept: list[bool] = []
    cache.set(auth._key(key_hash), auth._TOMBSTONE, timeout=60)
    assert token_store.add_behind(auth._key(key_hash), row, 60, kept.append)
    assert token_store.flush()
    assert kept == [False] and _entry(token) == auth._TOMBSTONE


def test_a_row_that_waited_too_long_is_dropped(
    alice: User, monkeypatch: pytest.MonkeyPatch, caplog: Any
) -> None:
    token = _token(alice)
    key_hash = auth.hash_token(token)
    row = auth._fetch(key_hash, auth.timezone.now())
    kept: list[bool] = []
    start = token_store._clock()
    with token_store._cond:  # queued while the writer cannot run, then the clock jumps
        assert token_store.add_behind(auth._key(key_hash), row, 60, kept.append)
        monkeypatch.setattr(token_store, "_clock", lambda: start + token_store.MAX_AGE_SECONDS + 0.5)
    with caplog.at_level(logging.WARNING, logger="yugong.accounts.token_store"):
        assert token_store.flush()
    assert kept == [] and _entry(token) is None
    assert "older than" in caplog.text


def test_the_local_layer_keeps_a_row_only_after_the_shared_cache_took_it(settings: Any, alice: User) -> None:
    settings.API_TOKEN_LOCAL_SECONDS = 30
    assert token_local.wait_listening()
    token = _token(alice)
    key_hash = auth.hash_token(token)
    assert auth.authenticate_token(token) is not None
    assert token_store.flush()
    assert token_local.get(key_hash) is not None  # kept once stored
    # a token whose store met a tombstone is kept nowhere
    other = _token(UserFactory(username="bob"))
    other_hash = auth.hash_token(other)
    with token_store._cond:
        assert auth.authenticate_token(other) is not None  # queued behind the held lock
        cache.set(auth._key(other_hash), auth._TOMBSTONE, timeout=60)
    assert token_store.flush()
    assert token_local.get(other_hash) is None and _entry(other) == auth._TOMBSTONE


def test_redis_down_drops_the_batch_and_the_next_call_reads_the_database(
    alice: User, monkeypatch: pytest.MonkeyPatch, caplog: Any
) -> None:
    token = _token(alice)

    class Down:
        def get_client(self, write: bool = True) -> Any:
            raise ConnectionError("redis down")

        def make_key(self, key: str) -> str:
            return key

        def encode(self, value: Any) -> bytes:
            return b"x"

    with token_store._cond:
        assert auth.authenticate_token(token) is not None
        monkeypatch.setattr(token_store, "_client", lambda: Down())
    with caplog.at_level(logging.WARNING, logger="yugong.accounts.token_store"):
        assert token_store.flush()
    assert "not stored" in caplog.text
    monkeypatch.undo()
    assert _entry(token) is None
    assert auth.authenticate_token(token) is not None  # the database answers


def test_a_full_queue_stores_on_the_request(alice: User, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(token_store, "MAX_QUEUED", 0)
    token = _token(alice)
    assert auth.authenticate_token(token) is not None
    assert isinstance(_entry(token), auth.Row)  # stored before the call returned


def test_switched_off_the_request_stores_itself(settings: Any, alice: User) -> None:
    settings.API_TOKEN_STORE_BEHIND = False
    token = _token(alice)
    assert not token_store.add_behind("apitoken:off", "x", 60)  # not queued: the caller stores
    assert auth.authenticate_token(token) is not None
    assert isinstance(_entry(token), auth.Row)


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_a_revocation_racing_the_calls_wins_with_the_store_behind(settings: Any) -> None:
    """Real threads, both layers on, the stores queued: requests hammer a token while another
    thread revokes it. After the revoke returns, no request succeeds."""
    settings.API_TOKEN_LOCAL_SECONDS = 30
    assert token_local.wait_listening()
    user = UserFactory(username="racer-behind")
    assert_no_request_succeeds_after_the_revocation(user, _token(user))
    assert token_store.flush()


def test_a_revoked_token_is_refused_after_the_store_went_out(alice: User) -> None:
    token = _token(alice)
    assert auth.authenticate_token(token) is not None
    assert token_store.flush() and isinstance(_entry(token), auth.Row)
    api_token_revoke(actor=alice, token=alice.api_tokens.get())
    assert auth.authenticate_token(token) is None
