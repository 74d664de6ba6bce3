"""Accepting an offer at the moment the beat task expires it has exactly one outcome (real threads
against PostgreSQL): either the member won the place and the task left it alone, or the offer
expired, the member was told so and the place went to the next on the waiting list.

The control expires without the row lock and the re-check (a test-only flag) and lands the accept
between the task's read and its write: the member is told they won while the task marks the offer
expired and offers the same place to the next — two outcomes."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from django.db import connection

from tests.helpers import requires_postgres
from tests.race import race
from yugong.accounts.system import system_actor
from yugong.core import timeutil
from yugong.core.errors import Conflict
from yugong.events import offers
from yugong.events.models import Activity, SignUp
from yugong.events.services import (
    activity_draw,
    offers_expire,
    signup_create,
    signup_offer_accept,
    signup_withdraw,
)

from .conftest import SEED, World, close_signup, make_activity, make_member

pytestmark = [requires_postgres, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _offered(world: World) -> tuple[Activity, SignUp, SignUp, dt.datetime]:
    """One place, three entrants; the winner withdraws, the first waiting is offered the place,
    due a minute from now (so an accept now is in time, and the task run "at" the deadline)."""
    activity = make_activity(world, places=1)
    users = [make_member(world.store)[0] for _ in range(3)]
    for u in users:
        signup_create(actor=u, activity_id=activity.pk)
    close_signup(activity)
    activity_draw(actor=world.organiser, activity_id=activity.pk, seed=SEED)
    rows = list(SignUp.objects.filter(activity=activity).select_related("person__user"))
    winner = next(s for s in rows if s.status == SignUp.Status.WON)
    signup_withdraw(actor=winner.person.user, signup_id=winner.pk)
    first = SignUp.objects.select_related("person__user").get(activity=activity, status=SignUp.Status.OFFERED)
    second = SignUp.objects.select_related("person__user").get(
        activity=activity, status=SignUp.Status.WAITING
    )
    due = timeutil.now() + dt.timedelta(minutes=1)
    SignUp.objects.filter(pk=first.pk).update(offer_expires_at=due)
    return activity, first, second, due


def _state(activity: Activity, first: SignUp, second: SignUp) -> tuple[str, str, int]:
    first.refresh_from_db()
    second.refresh_from_db()
    held = SignUp.objects.filter(activity=activity, status__in=(SignUp.Status.WON, SignUp.Status.OFFERED))
    return first.status, second.status, held.count()


@pytest.mark.parametrize("run", range(3))
def test_accept_and_expiry_at_the_same_moment_have_one_outcome(world: World, run: int) -> None:
    activity, first, second, due = _offered(world)

    def work(i: int) -> Any:
        if i == 0:
            return signup_offer_accept(actor=first.person.user, signup_id=first.pk)
        return offers_expire(actor=system_actor(), now=due)

    accepted, expired = race(2, work)
    state = _state(activity, first, second)
    if isinstance(accepted, SignUp):  # the member was first: the task found nothing to expire
        assert expired == 0
        assert state == (SignUp.Status.WON, SignUp.Status.WAITING, 1)
    else:  # the task was first: the member is told, the next is offered the place
        assert isinstance(accepted, Conflict) and accepted.code == "offer_expired", accepted
        assert expired == 1
        assert state == (SignUp.Status.EXPIRED, SignUp.Status.OFFERED, 1)


def test_control_unguarded_expiry_gives_the_place_twice(world: World, monkeypatch: Any) -> None:
    activity, first, second, due = _offered(world)
    told: list[Any] = []

    def accept_meanwhile() -> None:  # another device, another connection, committed in between
        def run() -> None:
            try:
                told.append(signup_offer_accept(actor=first.person.user, signup_id=first.pk))
            finally:
                connection.close()

        t = threading.Thread(target=run)
        t.start()
        t.join()

    monkeypatch.setattr(offers, "_UNGUARDED_EXPIRY", True)
    monkeypatch.setattr(offers, "_between_read_and_write", accept_meanwhile)
    assert offers_expire(actor=system_actor(), now=due) == 1
    assert told and isinstance(told[0], SignUp) and told[0].status == SignUp.Status.WON
    # the member was told they won, yet the offer is marked expired and the place offered again
    assert _state(activity, first, second) == (SignUp.Status.EXPIRED, SignUp.Status.OFFERED, 1)
