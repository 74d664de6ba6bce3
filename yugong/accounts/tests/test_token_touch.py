"""The write-behind of ``last_used_at`` (``yugong.accounts.token_touch``, PostgreSQL): a token's first
call is a plain read, the due touch is written later in one batch with the single touch's rules —
once per period, never backwards, only for a usable token — and the writer thread does it unasked."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.helpers import UserFactory, requires_postgres
from yugong.accounts import auth, token_touch
from yugong.accounts.models import ApiToken, User
from yugong.accounts.services import api_token_create

pytestmark = [requires_postgres, pytest.mark.django_db]

_real_applies = token_touch.applies


@pytest.fixture(autouse=True)
def _behind(settings: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    settings.API_TOKEN_TOUCH_BEHIND = True
    settings.API_TOKEN_TOUCH_FLUSH_SECONDS = 0  # no thread: these tests flush on their own connection
    settings.API_TOKEN_CACHE_SECONDS = 0
    settings.API_TOKEN_LOCAL_SECONDS = 0
    # the test's transaction stands for "no caller's transaction" (a request's autocommit)
    monkeypatch.setattr(token_touch, "applies", lambda: True)
    monkeypatch.setattr(token_touch._writer, "pid", None)  # each test begins as a new process
    auth._touched.clear()
    token_touch._due.clear()
    yield
    token_touch._due.clear()


@pytest.fixture
def alice(db: Any) -> User:
    return UserFactory(username="alice", display_name="爱丽丝")


def _token(user: User, **kwargs: Any) -> tuple[ApiToken, str]:
    return api_token_create(actor=user, user=user, name="脚本", **kwargs)


def test_a_first_call_is_a_plain_read_and_the_touch_lands_with_the_batch(alice: User) -> None:
    record, token = _token(alice)
    with CaptureQueriesContext(connection) as ctx:
        response = Client().get("/api/v1/accounts/me", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200
    token_sql = [q["sql"] for q in ctx.captured_queries if "accounts_apitoken" in q["sql"]]
    assert len(token_sql) == 1 and token_sql[0].lstrip().upper().startswith("SELECT"), token_sql
    record.refresh_from_db()
    assert record.last_used_at is None and token_touch.pending() == 1
    before = timezone.now()
    assert token_touch.flush() == 1
    record.refresh_from_db()
    assert (
        record.last_used_at is not None and before - dt.timedelta(seconds=5) < record.last_used_at <= before
    )
    assert token_touch.pending() == 0


def test_the_batch_keeps_the_period_and_never_goes_backwards(alice: User) -> None:
    first, token_a = _token(alice)
    second, _ = _token(alice)
    now = timezone.now()
    recent = now - dt.timedelta(seconds=10)  # touched by another process 10 s ago: not due
    ApiToken.objects.filter(pk=second.pk).update(last_used_at=recent)
    assert token_touch.queue(first.pk, now) and token_touch.queue(second.pk, now)
    assert token_touch.queue(first.pk, now + dt.timedelta(seconds=1))  # the first use in the window stays
    assert token_touch.flush() == 1
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.last_used_at == now and second.last_used_at == recent
    # a queued instant older than what is stored never overwrites it
    later = now + dt.timedelta(hours=1)
    ApiToken.objects.filter(pk=first.pk).update(last_used_at=later)
    assert token_touch.queue(first.pk, now + dt.timedelta(minutes=30)) and token_touch.flush() == 0
    first.refresh_from_db()
    assert first.last_used_at == later


def test_an_unusable_token_is_not_touched(alice: User) -> None:
    expired, token = _token(alice)
    ApiToken.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    assert auth.authenticate_token(token) is None
    bob = UserFactory(username="bob")
    inactive, bob_token = _token(bob)
    User.objects.filter(pk=bob.pk).update(is_active=False)
    assert auth.authenticate_token(bob_token) is None
    assert token_touch.pending() == 0


def test_a_token_is_queued_once_per_period_per_process(alice: User) -> None:
    _record, token = _token(alice)
    for _ in range(3):
        assert auth.authenticate_token(token) is not None
    assert token_touch.pending() == 1
    assert token_touch.flush() == 1
    assert auth.authenticate_token(token) is not None  # touched in this period: nothing queued
    assert token_touch.pending() == 0


def test_a_full_queue_touches_on_the_request(alice: User, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(token_touch, "MAX_QUEUED", 0)
    record, token = _token(alice)
    assert auth.authenticate_token(token) is not None
    record.refresh_from_db()
    assert record.last_used_at is not None and token_touch.pending() == 0


def test_inside_a_transaction_or_switched_off_the_touch_rides_in_the_look_up(
    settings: Any, alice: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert connection.in_atomic_block and not _real_applies()  # a caller's transaction: on the request
    settings.API_TOKEN_TOUCH_BEHIND = False
    monkeypatch.setattr(connection, "in_atomic_block", False)
    assert not _real_applies()  # switched off
    settings.API_TOKEN_TOUCH_BEHIND = True
    assert _real_applies()
    monkeypatch.undo()
    monkeypatch.setattr(token_touch, "applies", lambda: False)
    record, token = _token(alice)
    with CaptureQueriesContext(connection) as ctx:
        assert auth._fetch(auth.hash_token(token), timezone.now()) is not None
    assert len([q for q in ctx.captured_queries if "accounts_apitoken" in q["sql"]]) == 1
    record.refresh_from_db()
    assert record.last_used_at is not None and token_touch.pending() == 0


@pytest.mark.django_db(transaction=True)
def test_the_thread_writes_the_touches_unasked(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    settings.API_TOKEN_TOUCH_FLUSH_SECONDS = 0.1
    user = UserFactory(username="toucher")
    record, token = _token(user)
    assert auth.authenticate_token(token) is not None  # committed: the thread's connection sees it
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        record.refresh_from_db()
        if record.last_used_at is not None:
            break
        time.sleep(0.05)
    assert record.last_used_at is not None and token_touch.pending() == 0
    ApiToken.objects.filter(user=user).delete()
    User.objects.filter(pk=user.pk).delete()
