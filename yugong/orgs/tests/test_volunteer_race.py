"""Volunteer sign-up under a rush (real threads on PostgreSQL): never more sign-ups than places.
The control runs the same race through a read-then-write count and takes too many."""

from __future__ import annotations

import time

import pytest
from django.db import transaction

from tests.helpers import UserFactory, requires_postgres
from tests.race import race
from yugong.core.errors import Conflict
from yugong.core.facts import fact_total
from yugong.core.models import AuditEvent
from yugong.orgs import services
from yugong.orgs.models import ServiceActivity, ServiceSignup, Volunteer
from yugong.orgs.services import signup_sql
from yugong.orgs.services.service import _service_signup_orm

from .test_volunteer_service import build, make_activity

pytestmark = [requires_postgres, pytest.mark.django_db(transaction=True)]

PLACES = 5
WORKERS = 16


def _orm_signup(actor: object, activity_id: int) -> ServiceSignup:
    return _service_signup_orm(actor, activity_id)  # type: ignore[arg-type]


def _fast_signup(actor: object, activity_id: int) -> ServiceSignup:
    assert signup_sql.fast_path_applies()
    return services.service_signup(actor=actor, activity_id=activity_id)  # type: ignore[arg-type]


PATHS = {"one_statement": _fast_signup, "orm": _orm_signup}


@pytest.mark.parametrize("path", list(PATHS))
def test_signup_rush_never_exceeds_capacity(path: str) -> None:
    signup = PATHS[path]
    w = build(0)
    act = make_activity(w, capacity=PLACES)
    workers = [UserFactory(phone=f"1370000{i:04d}") for i in range(WORKERS)]
    results = race(WORKERS, lambda i: signup(workers[i], act.pk))
    won = [r for r in results if isinstance(r, ServiceSignup)]
    lost = [r for r in results if isinstance(r, Exception)]
    assert len(won) == PLACES and len(lost) == WORKERS - PLACES, results
    assert all(isinstance(e, Conflict) and e.code == "full" for e in lost)
    act.refresh_from_db()
    assert act.signed_up == PLACES == ServiceSignup.objects.filter(activity=act).count()


@pytest.mark.parametrize("path", list(PATHS))
def test_the_same_worker_twice_at_once_signs_up_once(path: str) -> None:
    signup = PATHS[path]
    w = build(1)
    act = make_activity(w, capacity=PLACES)
    results = race(8, lambda i: signup(w.workers[0], act.pk))
    won = [r for r in results if isinstance(r, ServiceSignup)]
    lost = [r for r in results if isinstance(r, Exception)]
    assert len(won) == 1 and len(lost) == 7, results
    assert all(isinstance(e, Conflict) and e.code == "duplicate_signup" for e in lost), lost
    act.refresh_from_db()
    assert act.signed_up == 1 == ServiceSignup.objects.filter(activity=act).count()
    assert Volunteer.objects.filter(user=w.workers[0]).count() == 1
    assert AuditEvent.objects.filter(action="volunteer.signup").count() == 1
    assert AuditEvent.objects.filter(action="volunteer.join").count() == 1
    assert fact_total(metric="volunteers.signups") == 1 == fact_total(metric="volunteers.registered")


@pytest.mark.parametrize("path", list(PATHS))
def test_one_worker_joins_the_roll_once_from_several_activities_at_once(path: str) -> None:
    """The same new worker signing up for four activities of one team at once: every sign-up is
    taken, the roll gets ONE row (the losers of the roll's unique constraint find it)."""
    signup = PATHS[path]
    w = build(1)
    acts = [make_activity(w, capacity=PLACES) for _ in range(4)]
    results = race(4, lambda i: signup(w.workers[0], acts[i].pk))
    assert all(isinstance(r, ServiceSignup) for r in results), results
    assert Volunteer.objects.filter(user=w.workers[0]).count() == 1
    assert {r.volunteer_id for r in results} == {Volunteer.objects.get(user=w.workers[0]).pk}
    assert AuditEvent.objects.filter(action="volunteer.join").count() == 1
    assert fact_total(metric="volunteers.registered") == 1
    assert fact_total(metric="volunteers.signups") == 4


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
    from .test_volunteer_service import start_now

    w = build(1)
    act = make_activity(w)
    signup = services.service_signup(actor=w.workers[0], activity_id=act.pk)
    start_now(act)
    record = services.service_hours_record(actor=w.staff, signup_id=signup.pk, hours="2")
    race(6, lambda i: services.service_hours_confirm(actor=w.workers[0], record_id=record.pk))
    assert fact_total(metric="volunteers.minutes", union_ids=[w.district.pk]) == 120
    assert fact_total(metric="volunteers.services", union_ids=[w.district.pk]) == 1
