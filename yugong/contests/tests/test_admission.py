"""The waiting room of synchronized starts: a slot per start at CONTESTS_START_RATE, a signed
ticket that keeps the place, no database work for a queued start (Redis on the PostgreSQL run,
the per-process clock on SQLite)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine

from tests.helpers import assert_max_queries
from yugong.contests.models import Attempt
from yugong.contests.quiz import admission
from yugong.core.timeutil import now

from .conftest import make_contest, make_worker

pytestmark = pytest.mark.django_db


@pytest.fixture
def rate(settings: Any) -> Any:
    settings.CONTESTS_START_RATE = 2  # a slot every 0.5 s
    settings.CONTESTS_START_BURST_MS = 0
    yield settings


def test_slots_tickets_and_positions(tree: dict[str, Any], rate: Any) -> None:
    contest = make_contest(tree["city"])
    admission.queue_forget(contest.pk)
    with time_machine.travel(now(), tick=False) as traveller:
        assert admission.admit_start(contest_id=contest.pk, user_id=1).admitted
        second = admission.admit_start(contest_id=contest.pk, user_id=2)
        third = admission.admit_start(contest_id=contest.pk, user_id=3)
        assert not second.admitted and (second.position, second.retry_after) == (1, 1)
        assert not third.admitted and (third.position, third.retry_after) == (2, 1)
        # back too early with the ticket: same place, same ticket, no new slot taken
        again = admission.admit_start(contest_id=contest.pk, user_id=2, ticket=second.ticket)
        assert not again.admitted and again.ticket == second.ticket
        fourth = admission.admit_start(contest_id=contest.pk, user_id=4)
        assert fourth.position == 3
        # a ticket is the user's own: someone else's queues afresh (behind the fourth)
        stolen = admission.admit_start(contest_id=contest.pk, user_id=5, ticket=second.ticket)
        assert not stolen.admitted and stolen.position == 4
        traveller.shift(dt.timedelta(milliseconds=500))
        assert admission.admit_start(contest_id=contest.pk, user_id=2, ticket=second.ticket).admitted
        assert not admission.admit_start(contest_id=contest.pk, user_id=3, ticket=third.ticket).admitted
        traveller.shift(dt.timedelta(milliseconds=500))
        assert admission.admit_start(contest_id=contest.pk, user_id=3, ticket=third.ticket).admitted
        assert not admission.admit_start(contest_id=contest.pk, user_id=3, ticket="forged").admitted


def test_rate_off_admits_everyone(tree: dict[str, Any], settings: Any) -> None:
    settings.CONTESTS_START_RATE = 0
    assert all(admission.admit_start(contest_id=1, user_id=u).admitted for u in range(50))


def test_queued_start_over_http_does_no_database_work(tree: dict[str, Any], client: Any, rate: Any) -> None:
    contest = make_contest(tree["city"])
    admission.queue_forget(contest.pk)
    first, second = make_worker(tree["shop"], "甲"), make_worker(tree["shop"], "乙")
    url = f"/api/v1/contests/{contest.pk}/attempts"
    with time_machine.travel(now(), tick=False) as traveller:
        client.force_login(first)
        assert client.post(url).status_code == 201
        client.force_login(second)
        client.get("/api/v1/contests/open")  # warm the session
        with assert_max_queries(2):  # the session and its user: nothing of the contest
            r = client.post(url)
        assert r.status_code == 202, r.content
        body = r.json()
        assert body["queued"] is True and body["position"] == 1 and body["retry_after"] == 1
        assert r["Retry-After"] == "1" and r["X-Queue-Ticket"] == body["ticket"]
        assert "排队中" in body["message"]
        assert not Attempt.objects.filter(user=second).exists()
        traveller.shift(dt.timedelta(seconds=1))
        r = client.post(url, headers={"X-Queue-Ticket": body["ticket"]})
        assert r.status_code == 201, r.content
