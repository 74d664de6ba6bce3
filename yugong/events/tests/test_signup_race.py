"""The one-statement sign-up under a rush (real threads against PostgreSQL).

* one member signing up from many devices at once: exactly one sign-up, the others told they already
  signed up; the control runs the same rush with the unique constraint dropped and gets duplicates,
  so it is the constraint (not luck or the statement's read) that keeps a member to one sign-up;
* a crowd of members at once: every one signed up, with one audit row each and the fact counting
  all of them (the fact's upsert adds under concurrency)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from tests.helpers import requires_postgres
from tests.race import race
from yugong.core.errors import Conflict
from yugong.core.facts import fact_total
from yugong.core.models import AuditEvent
from yugong.events import signup_sql
from yugong.events.models import SignUp
from yugong.events.signup_sql import signup_one_statement

from .conftest import World, make_activity, make_member

pytestmark = [requires_postgres, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

RUSH = 8


def test_one_member_many_devices_one_signup(world: World) -> None:
    activity = make_activity(world)
    user, _ = make_member(world.store)
    results = race(RUSH, lambda i: signup_one_statement(actor=user, activity_id=activity.pk))
    assert sum(isinstance(r, SignUp) for r in results) == 1, results
    assert all(
        isinstance(r, Conflict) and r.code == "already_signed_up"
        for r in results
        if not isinstance(r, SignUp)
    ), results
    assert SignUp.objects.filter(activity=activity).count() == 1
    assert AuditEvent.objects.filter(action="activity.signup").count() == 1


def test_control_without_the_constraint_a_member_signs_up_twice(world: World, monkeypatch: Any) -> None:
    """The same statement with the constraint (and so its ON CONFLICT target) taken away."""
    guarded = signup_sql._ONE_STATEMENT
    assert "ON CONFLICT (activity_id, person_id) DO NOTHING" in guarded
    monkeypatch.setattr(
        signup_sql, "_ONE_STATEMENT", guarded.replace("ON CONFLICT (activity_id, person_id) DO NOTHING", "")
    )
    activity = make_activity(world)
    user, _ = make_member(world.store)
    table = SignUp._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT signup_one_per_member")  # noqa: S608
    try:
        results = race(RUSH, lambda i: signup_one_statement(actor=user, activity_id=activity.pk))
        made = sum(isinstance(r, SignUp) for r in results)
    finally:
        SignUp.objects.filter(activity=activity).delete()
        with connection.cursor() as cursor:
            cursor.execute(
                f"ALTER TABLE {table} ADD CONSTRAINT signup_one_per_member UNIQUE (activity_id, person_id)"  # noqa: S608
            )
    assert made > 1, results  # the statement's own read cannot see a concurrent insert


def test_a_crowd_signs_up_at_once(world: World) -> None:
    activity = make_activity(world)
    users = [make_member(world.store)[0] for _ in range(RUSH * 2)]
    results: list[Any] = race(
        len(users), lambda i: signup_one_statement(actor=users[i], activity_id=activity.pk)
    )
    assert all(isinstance(r, SignUp) for r in results), results
    assert SignUp.objects.filter(activity=activity).count() == len(users)
    assert AuditEvent.objects.filter(action="activity.signup").count() == len(users)
    assert fact_total(metric="activities.signups") == len(users)
