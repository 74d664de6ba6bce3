"""Volunteer sign-up under a rush (real threads on PostgreSQL): never more sign-ups than places.
The control runs the same race through a read-then-write count and takes too many."""

from __future__ import annotations

import time

import pytest
from django.db import transaction

from tests.helpers import UserFactory, requires_postgres
from tests.race import race
from yugong.core.errors import Conflict
from yugong.orgs import services
from yugong.orgs.models import ServiceActivity, ServiceSignup, Volunteer

from .test_volunteer_service import build, make_activity

pytestmark = [requires_postgres, pytest.mark.django_db(transaction=True)]

PLACES = 5
WORKERS = 16


def test_signup_rush_never_exceeds_capacity() -> None:
    w = build(0)
    act = make_activity(w, capacity=PLACES)
    workers = [UserFactory(phone=f"1370000{i:04d}") for i in range(WORKERS)]
    results = race(WORKERS, lambda i: services.service_signup(actor=workers[i], activity_id=act.pk))
    won = [r for r in results if isinstance(r, ServiceSignup)]
    lost = [r for r in results if isinstance(r, Exception)]
    assert len(won) == PLACES and len(lost) == WORKERS - PLACES, results
    assert all(isinstance(e, Conflict) and e.code == "full" for e in lost)
    act.refresh_from_db()
    assert act.signed_up == PLACES == ServiceSignup.objects.filter(activity=act).count()


def _naive_signup(worker: object, activity_id: int) -> ServiceSignup:
    """The unguarded way: read the count, check it, write it back (what the conditional UPDATE
    replaces). The pause widens the window between the read and the write."""
    with transaction.atomic():
        act = ServiceActivity.objects.get(pk=activity_id)
        if act.signed_up >= act.capacity:
            raise Conflict("full", code="full")
        volunteer = Volunteer.objects.create(team_id=act.team_id, user=worker, name="x")
        signup = ServiceSignup.objects.create(activity=act, volunteer=volunteer, user=worker)
        time.sleep(0.05)
        ServiceActivity.objects.filter(pk=act.pk).update(signed_up=act.signed_up + 1)
        return signup


def test_control_read_then_write_takes_more_than_the_places() -> None:
    """CONTROL: the same rush through a read-then-write count lets more workers in than there are
    places, and the count no longer matches the rows (a lost update)."""
    w = build(0)
    act = make_activity(w, capacity=PLACES)
    workers = [UserFactory(phone=f"1360000{i:04d}") for i in range(WORKERS)]
    results = race(WORKERS, lambda i: _naive_signup(workers[i], act.pk))
    won = [r for r in results if isinstance(r, ServiceSignup)]
    assert len(won) > PLACES, "the unguarded path should have let too many in; the race did not show"
    act.refresh_from_db()
    assert ServiceSignup.objects.filter(activity=act).count() == len(won) > act.signed_up


def test_confirming_twice_at_once_counts_the_hours_once() -> None:
    from yugong.core.facts import fact_total

    from .test_volunteer_service import start_now

    w = build(1)
    act = make_activity(w)
    signup = services.service_signup(actor=w.workers[0], activity_id=act.pk)
    start_now(act)
    record = services.service_hours_record(actor=w.staff, signup_id=signup.pk, hours="2")
    race(6, lambda i: services.service_hours_confirm(actor=w.workers[0], record_id=record.pk))
    assert fact_total(metric="volunteers.minutes", union_ids=[w.district.pk]) == 120
    assert fact_total(metric="volunteers.services", union_ids=[w.district.pk]) == 1
