"""Bounded waits: a request that cannot get its row lock in time answers 409 "busy, retry" with
Retry-After, instead of queueing until the server's own timeout."""

from __future__ import annotations

import threading

import pytest
from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.test import Client, RequestFactory

from tests.helpers import UserFactory, requires_postgres
from yugong.accounts.models import User
from yugong.core.db import is_busy_error
from yugong.core.middleware import ApplicationErrorMiddleware


class _Cause(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__("canceling statement due to lock timeout")
        self.sqlstate = sqlstate


def _operational(sqlstate: str) -> OperationalError:
    exc = OperationalError("canceling statement due to lock timeout")
    exc.__cause__ = _Cause(sqlstate)
    return exc


def test_only_timeouts_count_as_busy():
    assert is_busy_error(_operational("55P03")) and is_busy_error(_operational("57014"))
    assert is_busy_error(OperationalError("database is locked"))
    assert not is_busy_error(_operational("08006"))  # a lost connection is a real fault
    assert not is_busy_error(ValueError("55P03"))


def test_a_page_that_ran_out_of_patience_says_busy_in_chinese():
    request = RequestFactory().post("/some/page/")
    response = ApplicationErrorMiddleware(lambda r: None).process_exception(request, _operational("55P03"))  # type: ignore[arg-type]
    assert response is not None and response.status_code == 409
    assert response["Retry-After"] == "1"
    assert "系统繁忙" in response.content.decode()


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_a_held_row_lock_answers_409_with_retry_after():
    with connection.cursor() as cursor:
        cursor.execute("SHOW lock_timeout")
        assert cursor.fetchone()[0] == f"{settings.DB_LOCK_TIMEOUT_MS}ms".replace("000ms", "s")
    user = UserFactory(is_staff=True)
    client = Client()
    client.force_login(user)  # before the lock: signing in writes last_login to the same row
    locked, release = threading.Event(), threading.Event()

    def hold() -> None:
        try:
            with transaction.atomic():
                User.objects.select_for_update().get(pk=user.pk)
                locked.set()
                release.wait(30)
        finally:
            connection.close()

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert locked.wait(10)
        response = client.post("/api/v1/accounts/tokens", {"name": "ci"}, content_type="application/json")
        assert response.status_code == 409, response.content
        assert response["Retry-After"] == "1"
        body = response.json()
        assert body["code"] == "busy" and "系统繁忙" in body["message"]
    finally:
        release.set()
        holder.join()
    # Nothing half-written: the refused request made no token.
    assert not user.api_tokens.exists()
