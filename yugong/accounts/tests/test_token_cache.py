"""The token look-up cache of the API hot path (yugong.accounts.auth), in the shared cache (Redis on
the PostgreSQL + Redis run, local memory on SQLite): what it saves, and that every way a token stops
being usable takes effect on the very next request — revocation, deletion, deactivation, expiry —
including for a request that read the token just before the revocation committed."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.helpers import UserFactory, requires_postgres
from yugong.accounts import auth
from yugong.accounts.models import ApiToken, User
from yugong.accounts.services import api_token_create, api_token_revoke

from .token_race import assert_no_request_succeeds_after_the_revocation

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_touches(settings: Any) -> None:
    """These tests are the shared cache's: the process-local layer in front of it is off (its own
    tests are ``test_token_local.py``)."""
    settings.API_TOKEN_LOCAL_SECONDS = 0
    auth._touched.clear()


@pytest.fixture
def alice(db: Any) -> User:
    return UserFactory(username="alice", display_name="爱丽丝")


def _me(client: Client, token: str) -> Any:
    return client.get("/api/v1/accounts/me", HTTP_AUTHORIZATION=f"Bearer {token}")


def _token(user: User, **kwargs: Any) -> str:
    return api_token_create(actor=user, user=user, name="脚本", **kwargs)[1]


def _token_queries(ctx: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in ctx.captured_queries if "accounts_apitoken" in q["sql"]]


def test_a_cached_token_costs_no_query(alice: User) -> None:
    token = _token(alice)
    client = Client()
    with CaptureQueriesContext(connection) as first:
        assert _me(client, token).status_code == 200
    with CaptureQueriesContext(connection) as second:
        assert _me(client, token).json()["username"] == "alice"
    assert _token_queries(first)  # the miss read the token (and touched last_used_at)
    assert _token_queries(second) == [] and len(second.captured_queries) < len(first.captured_queries)
    assert isinstance(cache.get(auth._key(auth.hash_token(token))), auth.Row)


def test_the_cache_keeps_neither_the_token_nor_the_password_nor_the_plain_phone(alice: User) -> None:
    alice.phone = "13800138000"
    alice.set_password("s3cret-Passw0rd")
    alice.save()
    token = _token(alice)
    assert auth.authenticate_token(token) is not None
    row = cache.get(auth._key(auth.hash_token(token)))
    kept = repr(row)
    assert token not in kept and "13800138000" not in kept and alice.password not in kept
    user = auth.authenticate_token(token)  # from the cache
    assert user is not None and user.phone == "13800138000"  # decrypted per request
    assert user.check_password("s3cret-Passw0rd")  # the deferred hash loads when asked for


def test_a_miss_on_postgresql_is_one_statement(alice: User) -> None:
    token = _token(alice)
    with CaptureQueriesContext(connection) as ctx:
        assert auth.authenticate_token(token) is not None
    expected = 1 if connection.vendor == "postgresql" else 2  # read + conditional touch
    assert len(_token_queries(ctx)) == expected, _token_queries(ctx)
    assert ApiToken.objects.get(user=alice).last_used_at is not None


def test_revoking_takes_effect_at_once_even_when_cached(alice: User) -> None:
    token = _token(alice)
    client = Client()
    assert _me(client, token).status_code == 200
    assert _me(client, token).status_code == 200  # served from the cache
    api_token_revoke(actor=alice, token=ApiToken.objects.get(user=alice))
    assert _me(client, token).status_code == 401
    assert _me(client, token).status_code == 401  # and it stays refused


def test_revoking_through_the_admin_or_a_save_takes_effect_at_once(alice: User) -> None:
    token = _token(alice)
    assert auth.authenticate_token(token) is not None
    row = ApiToken.objects.get(user=alice)
    row.revoked_at = timezone.now()
    row.save()  # the admin site's path: the receiver writes the tombstone
    assert auth.authenticate_token(token) is None


def test_deleting_the_token_takes_effect_at_once(alice: User) -> None:
    token = _token(alice)
    assert auth.authenticate_token(token) is not None
    ApiToken.objects.get(user=alice).delete()
    assert auth.authenticate_token(token) is None


def test_deactivating_the_user_takes_effect_at_once(alice: User) -> None:
    token = _token(alice)
    client = Client()
    assert _me(client, token).status_code == 200
    alice.is_active = False
    alice.save()
    assert _me(client, token).status_code == 401
    assert _me(client, token).status_code == 401


def test_a_queryset_deactivation_takes_effect_once_the_writer_forgets_the_user(alice: User) -> None:
    token = _token(alice)
    assert auth.authenticate_token(token) is not None
    User.objects.filter(pk=alice.pk).update(is_active=False)
    auth.forget_user_tokens(alice.pk)  # the documented duty of QuerySet.update writers
    assert auth.authenticate_token(token) is None


def test_changing_the_user_shows_on_the_next_request(alice: User) -> None:
    token = _token(alice)
    assert auth.authenticate_token(token) is not None
    alice.display_name = "新名字"
    alice.save()
    user = auth.authenticate_token(token)
    assert user is not None and user.display_name == "新名字"


def test_a_login_does_not_empty_the_cache(alice: User) -> None:
    token = _token(alice)
    assert auth.authenticate_token(token) is not None
    alice.last_login = timezone.now()
    alice.save(update_fields=["last_login"])
    assert isinstance(cache.get(auth._key(auth.hash_token(token))), auth.Row)


def test_an_expired_token_is_refused_even_when_cached(alice: User) -> None:
    token = _token(alice, expires_in_days=1)
    assert auth.authenticate_token(token) is not None
    assert isinstance(cache.get(auth._key(auth.hash_token(token))), auth.Row)
    ApiToken.objects.filter(user=alice).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    # The cached row still says tomorrow; the clock passes it:
    row = cache.get(auth._key(auth.hash_token(token)))
    assert row.expires_at > timezone.now()
    row.expires_at = timezone.now() - dt.timedelta(seconds=1)
    cache.set(auth._key(auth.hash_token(token)), row, timeout=60)
    assert auth.authenticate_token(token) is None
    auth.forget_token(auth.hash_token(token))
    assert auth.authenticate_token(token) is None  # from the database too
    assert not ApiToken.objects.get(user=alice).is_active


def test_a_request_that_read_before_the_revocation_cannot_cache_it(alice: User) -> None:
    """The race the tombstone closes: a miss reads the row, the revocation commits and writes its
    tombstone, then the miss stores what it read — ``add`` never overwrites the tombstone."""
    token = _token(alice)
    key_hash = auth.hash_token(token)
    stale = auth._fetch(key_hash, timezone.now())
    assert stale is not None
    api_token_revoke(actor=alice, token=ApiToken.objects.get(user=alice))
    auth._cache_add(key_hash, stale)  # the in-flight request finishes
    assert auth.authenticate_token(token) is None
    # Control: without the tombstone the stale row would have been served.
    cache.delete(auth._key(key_hash))
    auth._cache_add(key_hash, stale)
    assert auth.authenticate_token(token) is not None


def test_a_failing_tombstone_is_written_before_the_next_cache_read(
    alice: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = _token(alice)
    assert auth.authenticate_token(token) is not None
    real = cache.set_many

    def down(*args: Any, **kwargs: Any) -> Any:
        raise ConnectionError("cache down")

    monkeypatch.setattr(cache, "set_many", down)
    with transaction.atomic():
        api_token_revoke(actor=alice, token=ApiToken.objects.get(user=alice))
    assert auth._pending  # remembered
    assert auth.authenticate_token(token) is None  # the database decides meanwhile
    monkeypatch.setattr(cache, "set_many", real)
    assert auth.authenticate_token(token) is None
    assert not auth._pending and cache.get(auth._key(auth.hash_token(token))) == auth._TOMBSTONE


def test_a_cache_that_fails_to_answer_means_the_database(
    alice: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = _token(alice)
    assert auth.authenticate_token(token) is not None

    def down(*args: Any, **kwargs: Any) -> Any:
        raise ConnectionError("cache down")

    monkeypatch.setattr(cache, "get", down)
    monkeypatch.setattr(cache, "add", down)
    assert auth.authenticate_token(token) is not None
    User.objects.filter(pk=alice.pk).update(is_active=False)
    assert auth.authenticate_token(token) is None


def test_cache_off_means_every_request_checks(alice: User, settings: Any) -> None:
    settings.API_TOKEN_CACHE_SECONDS = 0
    token = _token(alice)
    assert auth.authenticate_token(token) is not None
    assert cache.get(auth._key(auth.hash_token(token))) is None
    User.objects.filter(pk=alice.pk).update(is_active=False)
    assert auth.authenticate_token(token) is None


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


def test_unknown_and_foreign_tokens_are_not_cached(alice: User) -> None:
    assert auth.authenticate_token("yg_nope") is None
    assert auth.authenticate_token("Basic abc") is None
    assert cache.get(auth._key(auth.hash_token("yg_nope"))) is None


def test_last_used_is_written_at_most_once_per_period(alice: User, settings: Any) -> None:
    token = _token(alice)
    assert auth.authenticate_token(token) is not None
    first = ApiToken.objects.get(user=alice).last_used_at
    assert first is not None
    with CaptureQueriesContext(connection) as ctx:
        assert auth.authenticate_token(token) is not None
    assert _token_queries(ctx) == []
    assert ApiToken.objects.get(user=alice).last_used_at == first
    # Another process (its own memory of touches) serves the same token an hour later: the
    # conditional UPDATE writes once, then this process skips it.
    earlier = first - dt.timedelta(seconds=settings.API_TOKEN_TOUCH_SECONDS + 1)
    ApiToken.objects.filter(user=alice).update(last_used_at=earlier)
    cache.delete(auth._key(auth.hash_token(token)))
    auth._touched.clear()
    assert auth.authenticate_token(token) is not None
    touched = ApiToken.objects.get(user=alice).last_used_at
    assert touched is not None and touched > earlier
    # A stale cached row in a process that touched within the period writes nothing.
    with CaptureQueriesContext(connection) as ctx:
        row = cache.get(auth._key(auth.hash_token(token)))
        row.last_used_at = earlier
        cache.set(auth._key(auth.hash_token(token)), row, timeout=60)
        assert auth.authenticate_token(token) is not None
    assert [q for q in _token_queries(ctx) if q.startswith("UPDATE")] == []


def test_the_conditional_touch_writes_once_across_processes(alice: User) -> None:
    token = _token(alice)
    row = auth._fetch(auth.hash_token(token), timezone.now())
    assert row is not None and row.last_used_at is not None
    written = ApiToken.objects.get(user=alice).last_used_at
    auth._touched.clear()  # another process, whose cached row still says "never used"
    with CaptureQueriesContext(connection) as ctx:
        assert auth._touch(row.token_id, None, timezone.now()) is None  # nothing written
    assert len([q for q in _token_queries(ctx) if q.startswith("UPDATE")]) == 1  # it asked once
    assert ApiToken.objects.get(user=alice).last_used_at == written


def _fields(user: User) -> dict[str, Any]:
    return {
        f.attname: getattr(user, f.attname)
        for f in User._meta.concrete_fields  # type: ignore[attr-defined]
        if f.attname != "password"
    }


@requires_postgres
def test_the_one_statement_and_the_orm_agree(alice: User) -> None:
    """The twin test of the miss path: the statement gives what the ORM gives, and touches
    ``last_used_at`` exactly when the ORM path would."""
    alice.phone = "13800138000"
    alice.last_login = timezone.now()
    alice.save()
    token = _token(alice)
    key_hash = auth.hash_token(token)
    at = timezone.now()
    fast = auth._fetch(key_hash, at)
    ApiToken.objects.filter(user=alice).update(last_used_at=None)
    auth._touched.clear()
    slow = auth._fetch_orm(key_hash, at)
    assert fast is not None and slow is not None
    assert fast == slow
    assert _fields(auth._user(fast)) == _fields(auth._user(slow))
    assert auth._user(fast).phone == "13800138000"
    # Refused rows: each path reads them, neither touches them.
    cases = {
        "expired": lambda: ApiToken.objects.filter(user=alice).update(expires_at=at - dt.timedelta(1)),
        "inactive": lambda: User.objects.filter(pk=alice.pk).update(is_active=False),
        "system": lambda: User.objects.filter(pk=alice.pk).update(is_system=True),
    }
    for name, make in cases.items():
        ApiToken.objects.filter(user=alice).update(last_used_at=None, expires_at=None)
        User.objects.filter(pk=alice.pk).update(is_active=True, is_system=False)
        make()
        for fetch in (auth._fetch, auth._fetch_orm):
            auth._touched.clear()
            row = fetch(key_hash, at)
            assert row is not None and not auth.usable(row, at), name
            assert ApiToken.objects.get(user=alice).last_used_at is None, (name, fetch.__name__)
    for fetch in (auth._fetch, auth._fetch_orm):
        assert fetch(auth.hash_token("yg_unknown"), at) is None
    api_token_revoke(actor=alice, token=ApiToken.objects.get(user=alice))
    for fetch in (auth._fetch, auth._fetch_orm):
        assert fetch(key_hash, at) is None


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_revocation_racing_requests_never_leaves_a_usable_cached_token() -> None:
    """Real threads: requests hammer a token while another thread revokes it. After the revoke
    returns, no request succeeds — whatever the interleaving of reads and cache stores."""
    user = UserFactory(username="racer")
    assert_no_request_succeeds_after_the_revocation(user, _token(user))


def _synchronous_commit() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        return str(cursor.fetchone()[0])


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_the_touch_commits_asynchronously_only_in_its_own_transaction() -> None:
    """Outside a transaction the miss's statement is its own transaction and commits its touch
    without waiting for the WAL flush; the setting ends with it (the connection's next transaction
    is durable again), and inside a caller's transaction the statement leaves the setting alone. Both
    variants read and touch what the ORM path does."""
    user = UserFactory(username="toucher")
    token = _token(user)
    key_hash = auth.hash_token(token)
    try:
        at = timezone.now()
        assert not connection.in_atomic_block
        fast = auth._fetch(key_hash, at)
        assert "set_config('synchronous_commit'" in auth._one_statement(async_commit=True)
        assert fast is not None and fast.last_used_at == at
        assert ApiToken.objects.get(user=user).last_used_at == at  # committed
        assert _synchronous_commit() == "on"
        ApiToken.objects.filter(user=user).update(last_used_at=None)
        auth._touched.clear()
        assert auth._fetch_orm(key_hash, at) == fast
        for atomic_fetch in (auth._fetch, auth._fetch_orm):
            ApiToken.objects.filter(user=user).update(last_used_at=None)
            auth._touched.clear()
            with transaction.atomic():
                assert atomic_fetch(key_hash, at) == fast
                assert _synchronous_commit() == "on"
            assert ApiToken.objects.get(user=user).last_used_at == at
    finally:
        ApiToken.objects.filter(user=user).delete()
        User.objects.filter(pk=user.pk).delete()


def test_a_cached_row_keeps_every_value_and_instant_exactly(alice: User) -> None:
    """The cache's compact format (datetimes as integer microseconds) gives back the same row: the
    same instants to the microsecond, aware, and the None's."""
    import pickle
    from zoneinfo import ZoneInfo

    token = _token(alice)
    row = auth._fetch_orm(auth.hash_token(token), timezone.now())
    assert row is not None
    shanghai = dt.datetime(2026, 12, 7, 8, 30, 15, 123457, tzinfo=ZoneInfo("Asia/Shanghai"))
    row.expires_at = shanghai
    back = pickle.loads(pickle.dumps(row))  # noqa: S301 - our own bytes, as the cache round-trips them
    assert back == row and back.expires_at == shanghai and back.expires_at.utcoffset() == dt.timedelta(0)
    assert back.value("date_joined") == alice.date_joined and back.value("last_login") is None
    assert all(v.tzinfo is not None for v in (back.last_used_at, back.value("date_joined")))
    assert len(pickle.dumps(row)) < 200
