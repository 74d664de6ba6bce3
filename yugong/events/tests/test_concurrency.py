"""Races with real threads against PostgreSQL (skipped on SQLite, which serialises writers).

The control runs the same race through the naive read-then-write quota path (a test-only flag) and
oversubscribes; the guarded conditional UPDATE never does."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers import make_union, requires_postgres
from tests.race import race
from yugong.core.errors import ApplicationError
from yugong.events import services
from yugong.events.models import Activity, Quota, SignUp
from yugong.events.services import quota_allocate, signup_create

from .conftest import World, make_activity, make_member

pytestmark = [requires_postgres, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

UNIONS, PLACES, EACH = 8, 10, 3  # 8 unions asking for 3 each out of 10: at most 3 can have them


def _children(world: World) -> list[Any]:
    return [make_union(world.city, kind="district", name=f"区县{i}") for i in range(UNIONS)]


def _allocated(activity: Activity) -> tuple[int, int]:
    activity.refresh_from_db()
    given = sum(Quota.objects.filter(activity=activity, parent=None).values_list("places", flat=True))
    return activity.allocated, given


def test_quotas_never_exceed_the_parent_under_a_rush(world: World) -> None:
    activity = make_activity(world, places=PLACES)
    kids = _children(world)
    results = race(
        UNIONS,
        lambda i: quota_allocate(
            actor=world.organiser, activity_id=activity.pk, union_id=kids[i].pk, places=EACH
        ),
    )
    won = [r for r in results if isinstance(r, Quota)]
    assert len(won) == PLACES // EACH, results
    assert all(
        isinstance(r, ApplicationError) and r.code == "quota_exceeded" for r in results if r not in won
    )
    assert _allocated(activity) == (EACH * len(won), EACH * len(won))


def test_control_the_unguarded_path_oversubscribes(world: World, monkeypatch: Any) -> None:
    monkeypatch.setattr(services, "_UNGUARDED_QUOTA", True)
    activity = make_activity(world, places=PLACES)
    kids = _children(world)
    race(
        UNIONS,
        lambda i: quota_allocate(
            actor=world.organiser, activity_id=activity.pk, union_id=kids[i].pk, places=EACH
        ),
    )
    _, given = _allocated(activity)
    assert given > PLACES  # the children's sum passed the parent's places


def test_a_member_signs_up_once_under_a_rush(world: World) -> None:
    activity = make_activity(world)
    user, _ = make_member(world.store)
    results = race(6, lambda i: signup_create(actor=user, activity_id=activity.pk))
    assert sum(isinstance(r, SignUp) for r in results) == 1, results
    assert SignUp.objects.filter(activity=activity).count() == 1
