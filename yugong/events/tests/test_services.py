from __future__ import annotations

import datetime as dt

import pytest

from yugong.core import timeutil
from yugong.core.errors import Conflict, NotFound, ValidationFailed
from yugong.events.models import Activity, Quota, SignUp
from yugong.events.services import quota_allocate, signup_create, signup_group

from .conftest import World, make_activity, make_member

pytestmark = pytest.mark.django_db


def test_create_validates_every_field(world: World) -> None:
    now = timeutil.now()
    with pytest.raises(ValidationFailed) as exc:
        make_activity(
            world,
            title=" ",
            kind="party",
            places=0,
            signup_opens_at=now,
            signup_closes_at=now,
            employment_forms=["astronaut"],
            seed_hash="abc",
        )
    assert set(exc.value.fields) == {
        "title",
        "kind",
        "places",
        "signup_closes_at",
        "employment_forms",
        "seed_hash",
    }
    assert not Activity.objects.exists()


def test_create_is_scoped(world: World) -> None:
    with pytest.raises(NotFound):
        make_activity(world, actor=world.jb_staff, union_id=world.yuzhong.pk)
    activity = make_activity(world, actor=world.yz_staff, union_id=world.yuzhong.pk)
    assert activity.union_path == world.yuzhong.path


def test_one_sign_up_per_member(world: World) -> None:
    activity = make_activity(world)
    user, person = make_member(world.store)
    signup = signup_create(actor=user, activity_id=activity.pk)
    assert signup.person == person and signup.status == SignUp.Status.ENTERED
    with pytest.raises(Conflict) as exc:
        signup_create(actor=user, activity_id=activity.pk)
    assert exc.value.code == "already_signed_up"
    assert SignUp.objects.count() == 1


def test_eligibility_by_membership_subtree_and_form(world: World) -> None:
    activity = make_activity(
        world, actor=world.yz_staff, union_id=world.yuzhong.pk, employment_forms=["rider"]
    )
    outsider, _ = make_member(world.jiangbei, form="rider")
    office, _ = make_member(world.store, form="regular")
    pending, _ = make_member(world.store, form="rider", status="pending")
    rider, _ = make_member(world.store, form="rider")
    for user in (outsider, office, pending):
        with pytest.raises(ValidationFailed):
            signup_create(actor=user, activity_id=activity.pk)
    assert signup_create(actor=rider, activity_id=activity.pk)
    assert SignUp.objects.count() == 1


def test_sign_up_only_in_the_window(world: World) -> None:
    now = timeutil.now()
    later = make_activity(
        world, signup_opens_at=now + dt.timedelta(hours=1), signup_closes_at=now + dt.timedelta(hours=2)
    )
    user, _ = make_member(world.store)
    with pytest.raises(Conflict) as exc:
        signup_create(actor=user, activity_id=later.pk)
    assert exc.value.code == "signup_closed"


def test_group_sign_up_by_an_officer(world: World) -> None:
    activity = make_activity(world)
    people = [make_member(world.store)[1] for _ in range(3)]
    _, stranger = make_member(world.jiangbei)
    with pytest.raises(ValidationFailed):
        signup_group(
            actor=world.store_staff,
            activity_id=activity.pk,
            union_id=world.store.pk,
            person_ids=[p.pk for p in people] + [stranger.pk],
        )
    assert not SignUp.objects.exists()  # all or nothing
    with pytest.raises(NotFound):
        signup_group(
            actor=world.jb_staff, activity_id=activity.pk, union_id=world.store.pk, person_ids=[people[0].pk]
        )
    rows = signup_group(
        actor=world.store_staff,
        activity_id=activity.pk,
        union_id=world.store.pk,
        person_ids=[p.pk for p in people],
    )
    assert [r.signed_up_by for r in rows] == [world.store_staff] * 3


def test_quotas_go_down_the_tree_within_the_parent(world: World) -> None:
    activity = make_activity(world, places=10)
    yz = quota_allocate(actor=world.organiser, activity_id=activity.pk, union_id=world.yuzhong.pk, places=6)
    assert yz.parent is None
    with pytest.raises(Conflict) as exc:
        quota_allocate(actor=world.organiser, activity_id=activity.pk, union_id=world.jiangbei.pk, places=5)
    assert exc.value.code == "quota_exceeded"
    quota_allocate(actor=world.organiser, activity_id=activity.pk, union_id=world.jiangbei.pk, places=4)
    # 渝中 re-allocates to its child; the child can't give itself places
    with pytest.raises(NotFound):
        quota_allocate(actor=world.store_staff, activity_id=activity.pk, union_id=world.store.pk, places=2)
    store = quota_allocate(actor=world.yz_staff, activity_id=activity.pk, union_id=world.store.pk, places=2)
    assert store.parent == yz
    with pytest.raises(Conflict):
        quota_allocate(actor=world.yz_staff, activity_id=activity.pk, union_id=world.store.pk, places=7)
    with pytest.raises(ValidationFailed):  # 渝中 can't drop below what it handed down
        quota_allocate(actor=world.organiser, activity_id=activity.pk, union_id=world.yuzhong.pk, places=1)
    quota_allocate(actor=world.organiser, activity_id=activity.pk, union_id=world.yuzhong.pk, places=3)
    activity.refresh_from_db()
    yz.refresh_from_db()
    assert (activity.allocated, yz.places, yz.allocated) == (7, 3, 2)
    # a member of the store signs up into the store's pool
    user, _ = make_member(world.store)
    assert signup_create(actor=user, activity_id=activity.pk).quota == store
    assert Quota.objects.count() == 3


def test_quota_only_below_the_organiser(world: World) -> None:
    activity = make_activity(world, actor=world.yz_staff, union_id=world.yuzhong.pk)
    with pytest.raises(ValidationFailed):
        quota_allocate(actor=world.organiser, activity_id=activity.pk, union_id=world.jiangbei.pk, places=1)
    with pytest.raises(NotFound):
        quota_allocate(actor=world.jb_staff, activity_id=activity.pk, union_id=world.jiangbei.pk, places=1)
