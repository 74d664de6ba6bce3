"""Races on each kind's scarce things (real threads against PostgreSQL), each with a control:

* one member voting from many devices at once: one vote that day (the unique constraint; the
  control drops it and counts several);
* parents taking the last seats of an age group at once: never more than its capacity (the
  conditional UPDATE; the control reads, decides and writes back, and overfills)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from tests.helpers import requires_postgres
from tests.race import race
from yugong.events import kinds
from yugong.events.models_kinds import ChildcareGroup, ChildEnrolment, Vote

from .conftest import World, make_member
from .test_kinds import _won, _work

pytestmark = [requires_postgres, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

RUSH = 6


def _published(world: World) -> Any:
    activity, (author,) = _won(world, "contest", 1)
    work = _work(world, activity, author)
    kinds.work_review(actor=world.organiser, work_id=work.pk, publish=True)
    voter, _ = make_member(world.jiangbei)
    return work, voter


def test_one_vote_per_member_per_day_under_a_rush(world: World) -> None:
    work, voter = _published(world)
    results = race(RUSH, lambda i: kinds.vote_cast(actor=voter, work_id=work.pk, device=f"d{i}"))
    assert sum(isinstance(r, Vote) for r in results) == 1, results
    assert Vote.objects.filter(user=voter).count() == 1


def test_control_without_the_constraint_a_member_votes_many_times(world: World) -> None:
    work, voter = _published(world)
    table = Vote._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT vote_one_per_member_per_day")  # noqa: S608
    try:
        race(RUSH, lambda i: kinds.vote_cast(actor=voter, work_id=work.pk, device=f"d{i}"))
        counted = Vote.objects.filter(user=voter).count()
    finally:
        Vote.objects.all().delete()
        with connection.cursor() as cursor:
            cursor.execute(
                f"ALTER TABLE {table} ADD CONSTRAINT vote_one_per_member_per_day UNIQUE (activity_id, user_id, day)"  # noqa: S608
            )
    assert counted > 1


def _rush_for_seats(world: World) -> ChildcareGroup:
    activity, parents = _won(world, "childcare", RUSH)
    group = kinds.childcare_group_add(
        actor=world.organiser, activity_id=activity.pk, name="幼儿班", min_age=3, max_age=6, capacity=2
    )
    race(
        RUSH,
        lambda i: kinds.child_enrol(
            actor=parents[i],
            activity_id=activity.pk,
            child_name=f"孩子{i}",
            child_age=4,
            guardian_phone="13800001111",
        ),
    )
    return group


def test_an_age_group_never_overfills(world: World) -> None:
    group = _rush_for_seats(world)
    group.refresh_from_db()
    assert group.taken == ChildEnrolment.objects.filter(group=group).count() == group.capacity


def test_control_unguarded_seats_overfill(world: World, monkeypatch: Any) -> None:
    monkeypatch.setattr(kinds, "_UNGUARDED_GROUP", True)
    group = _rush_for_seats(world)
    assert ChildEnrolment.objects.filter(group=group).count() > group.capacity


# --- contest works: at most EVENTS_WORKS_PER_ENTRANT per participant --------------------------------


def _rush_of_works(world: World, settings: Any, tmp_path: Any) -> Any:
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from yugong.events import works

    settings.MEDIA_ROOT = str(tmp_path)
    settings.EVENTS_WORKS_PER_ENTRANT = 2
    activity, (author,) = _won(world, "contest", 1)
    buf = io.BytesIO()
    Image.new("RGB", (320, 240), (90, 120, 200)).save(buf, "JPEG")
    race(
        RUSH,
        lambda i: works.work_submit(
            actor=author,
            activity_id=activity.pk,
            kind="photo",
            title=f"作品{i}",
            picture=SimpleUploadedFile(f"p{i}.jpg", buf.getvalue(), content_type="image/jpeg"),
        ),
    )
    return activity


def test_an_entrant_never_passes_the_works_limit(world: World, settings: Any, tmp_path: Any) -> None:
    from yugong.events.models_kinds import Work

    activity = _rush_of_works(world, settings, tmp_path)
    assert Work.objects.filter(activity=activity).count() == 2
    assert len(list(tmp_path.rglob("*.jpg"))) == 2  # the refused submissions' files were deleted


def test_control_without_the_lock_an_entrant_passes_the_limit(
    world: World, settings: Any, tmp_path: Any, monkeypatch: Any
) -> None:
    from yugong.events import works
    from yugong.events.models_kinds import Work

    monkeypatch.setattr(works, "_UNGUARDED_ROOM", True)
    activity = _rush_of_works(world, settings, tmp_path)
    assert Work.objects.filter(activity=activity).count() > 2
