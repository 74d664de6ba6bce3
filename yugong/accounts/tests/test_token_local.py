"""The process-local layer of the token cache (``yugong.accounts.token_local``), with the real Redis:
a token this process has seen costs no cache round trip; a revocation here is refused on the next
request; one made by another process is dropped through Redis publish/subscribe; a row read before
an invalidation arrived is never kept; a listener that lost its connection keeps nothing."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.helpers import UserFactory, requires_postgres
from yugong.accounts import auth, token_local
from yugong.accounts.models import ApiToken, User
from yugong.accounts.services import api_token_create, api_token_revoke

from .token_race import assert_no_request_succeeds_after_the_revocation

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _layer(settings: Any) -> Iterator[None]:
    if not hasattr(cache, "client") or not hasattr(cache.client, "get_client"):
        pytest.skip("needs the shared Redis cache (make test points the PostgreSQL run at Redis)")
    settings.API_TOKEN_LOCAL_SECONDS = 30
    assert token_local.wait_listening(), "the invalidation listener did not subscribe"
    token_local.clear()
    auth._touched.clear()
    yield
    token_local.clear()


@pytest.fixture
def alice(db: Any) -> User:
    return UserFactory(username="alice", display_name="爱丽丝")


def _token(user: User, **kwargs: Any) -> str:
    return api_token_create(actor=user, user=user, name="脚本", **kwargs)[1]


def _count_shared_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    reads: list[str] = []
    real = auth._cache_get

    def counted(key_hash: str) -> Any:
        reads.append(key_hash)
        return real(key_hash)

    monkeypatch.setattr(auth, "_cache_get", counted)
    return reads


def _until(predicate: Any, timeout_s: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return False


def test_a_token_seen_here_costs_no_cache_read_and_no_query(
    alice: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = _token(alice)
    reads = _count_shared_reads(monkeypatch)
    assert auth.authenticate_token(token) is not None  # miss: shared cache, then the database
    assert len(reads) == 1
    with CaptureQueriesContext(connection) as queries:
        user = auth.authenticate_token(token)
    assert user is not None and user.username == "alice"
    assert len(reads) == 1 and queries.captured_queries == []
    assert auth.authenticate_token(token) is not user  # each request its own User


def test_a_token_another_process_cached_is_kept_after_one_shared_read(
    alice: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = _token(alice)
    assert auth.authenticate_token(token) is not None
    token_local.clear()  # as if the next call reached another process
    reads = _count_shared_reads(monkeypatch)
    assert auth.authenticate_token(token) is not None and len(reads) == 1
    assert auth.authenticate_token(token) is not None and len(reads) == 1


def test_revoking_here_is_refused_on_the_next_request(alice: User) -> None:
    token = _token(alice)
    assert auth.authenticate_token(token) is not None
    assert token_local.get(auth.hash_token(token)) is not None
    api_token_revoke(actor=alice, token=ApiToken.objects.get(user=alice))
    assert token_local.get(auth.hash_token(token)) is None
    assert auth.authenticate_token(token) is None


def test_deactivating_the_user_is_refused_on_the_next_request(alice: User) -> None:
    token = _token(alice)
    assert auth.authenticate_token(token) is not None
    alice.is_active = False
    alice.save()
    assert auth.authenticate_token(token) is None


def test_another_process_revoking_drops_the_row_through_redis(alice: User) -> None:
    """Another process revokes: it writes the tombstone and publishes the hash; this process's
    listener drops its row (here the database row changes behind the hooks' back, as it would in
    the other process, and the message comes over a separate Redis connection)."""
    import redis

    token = _token(alice)
    key_hash = auth.hash_token(token)
    assert auth.authenticate_token(token) is not None
    ApiToken.objects.filter(user=alice).update(revoked_at=timezone.now())
    cache.set(auth._key(key_hash), auth._TOMBSTONE, timeout=60)
    assert auth.authenticate_token(token) is not None  # control: still kept here until told
    other = redis.Redis.from_url(cache.client._server[0])  # type: ignore[attr-defined]
    try:
        assert other.publish(token_local.CHANNEL, key_hash) >= 1
    finally:
        other.close()
    assert _until(lambda: token_local.get(key_hash) is None)
    assert auth.authenticate_token(token) is None


def test_a_row_read_before_an_invalidation_is_not_kept(alice: User) -> None:
    token = _token(alice)
    key_hash = auth.hash_token(token)
    row = auth._fetch(key_hash, timezone.now())
    seen = token_local.epoch()
    token_local.drop([key_hash])  # the invalidation arrives while the request is reading
    token_local.put(key_hash, row, seen)
    assert token_local.get(key_hash) is None
    token_local.put(key_hash, row, token_local.epoch())  # control: nothing came in between
    assert token_local.get(key_hash) is row


def test_an_expired_token_is_refused_even_when_kept_here(alice: User) -> None:
    token = _token(alice, expires_in_days=1)
    key_hash = auth.hash_token(token)
    assert auth.authenticate_token(token) is not None
    row = token_local.get(key_hash)
    assert row is not None
    row.expires_at = timezone.now()  # the clock passes the expiry the kept row carries
    assert auth.authenticate_token(token) is None


def test_rows_are_kept_for_the_configured_seconds_only(alice: User, monkeypatch: pytest.MonkeyPatch) -> None:
    token = _token(alice)
    key_hash = auth.hash_token(token)
    assert auth.authenticate_token(token) is not None
    now = time.monotonic()
    monkeypatch.setattr(token_local, "_clock", lambda: now + 29)
    assert token_local.get(key_hash) is not None
    monkeypatch.setattr(token_local, "_clock", lambda: now + 31)
    assert token_local.get(key_hash) is None


def test_a_listener_that_lost_its_connection_keeps_nothing_until_subscribed_again(alice: User) -> None:
    token = _token(alice)
    key_hash = auth.hash_token(token)
    assert auth.authenticate_token(token) is not None and token_local.get(key_hash) is not None
    client = token_local._redis()
    assert client.client_kill_filter(_type="pubsub") >= 1  # Redis drops every subscriber
    assert _until(lambda: token_local.get(key_hash) is None)
    assert token_local.wait_listening()  # back after its backoff, empty
    assert auth.authenticate_token(token) is not None  # and filled again by use


def test_off_means_the_shared_cache_every_time(
    alice: User, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.API_TOKEN_LOCAL_SECONDS = 0
    token = _token(alice)
    reads = _count_shared_reads(monkeypatch)
    assert auth.authenticate_token(token) is not None
    assert auth.authenticate_token(token) is not None
    assert len(reads) == 2


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_revocation_racing_requests_never_leaves_a_usable_kept_token() -> None:
    """Real threads with the local layer on: requests hammer a token while another thread revokes
    it. After the revoke returns, no request succeeds."""
    user = UserFactory(username="racer-local")
    assert_no_request_succeeds_after_the_revocation(user, _token(user))
