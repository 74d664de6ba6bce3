"""A sign-up's shared parents — the activity, the union and the quota — have no database foreign
key (every concurrent sign-up would lock the same three rows at commit: ``SignUp`` in models.py).
What guarded them still holds: the platform's deletes go through Django's ``on_delete`` (the admin
site included), which refuses to delete a union, a quota or an activity that sign-ups point to.
The member's own rows keep their keys."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models import ProtectedError

from yugong.events.models import Activity, Quota, SignUp
from yugong.events.services import quota_allocate, signup_create

from .conftest import World, make_activity, make_member

pytestmark = pytest.mark.django_db


def _foreign_keys() -> dict[str, str]:
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, SignUp._meta.db_table)
    return {c["columns"][0]: c["foreign_key"][0] for c in found.values() if c["foreign_key"]}


def test_only_the_members_own_rows_have_database_keys() -> None:
    keys = _foreign_keys()
    assert "activity_id" not in keys and "union_id" not in keys and "quota_id" not in keys
    assert keys["person_id"] == "members_person"
    assert keys["signed_up_by_id"] == "accounts_user"


def _signed_up(world: World) -> tuple[Activity, Quota, SignUp]:
    activity = make_activity(world, places=10)
    quota = quota_allocate(
        actor=world.organiser, activity_id=activity.pk, union_id=world.yuzhong.pk, places=4
    )
    user, _person = make_member(world.store)
    signup = signup_create(actor=user, activity_id=activity.pk)
    assert signup.quota_id == quota.pk and signup.union_id == world.store.pk
    return activity, quota, signup


def test_a_quota_or_union_with_signups_cannot_be_deleted(world: World) -> None:
    _activity, quota, signup = _signed_up(world)
    with pytest.raises(ProtectedError):
        Quota.objects.get(pk=quota.pk).delete()
    with pytest.raises(ProtectedError):
        world.store.delete()
    assert SignUp.objects.filter(pk=signup.pk, quota_id=quota.pk, union_id=world.store.pk).exists()


def test_an_activity_with_signups_cannot_be_deleted(world: World) -> None:
    """Its sign-ups would go with it, but they hold its quotas (protected): the ORM refuses the
    whole delete and nothing is removed."""
    activity, quota, signup = _signed_up(world)
    with pytest.raises(ProtectedError):
        Activity.objects.get(pk=activity.pk).delete()
    assert SignUp.objects.filter(pk=signup.pk, activity_id=activity.pk).exists()
    assert Quota.objects.filter(pk=quota.pk).exists()
