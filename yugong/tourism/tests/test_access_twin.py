"""Issue 19: ``access.access_merchant_object`` reads the actor's merchants either from the staff
rows memoised on the user (``merchant_ids``) or, at the gate's first read of a request, as a
subquery of the same statement (one round trip). Both forms come from ``access.staff_rows``; this
twin test drives every kind of actor through both and checks they agree, object for object."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.helpers import UserFactory
from yugong.core.errors import NotFound
from yugong.tourism import access
from yugong.tourism.models import MerchantStaff, PassSpot

from .factories import build_world, make_merchant

pytestmark = pytest.mark.django_db


def _both(user: Any, pk: Any) -> tuple[Any, Any]:
    """(one statement, memoised ids) — each the object's pk or "404"."""
    out = []
    for memoised in (False, True):
        access.forget_merchants(user)
        if memoised:
            access.merchant_ids(user)
        try:
            out.append(access.access_merchant_object(PassSpot.objects.all(), user, pk).pk)
        except NotFound:
            out.append("404")
    return out[0], out[1]


def test_the_one_statement_and_the_memoised_ids_agree_for_every_actor() -> None:
    world = build_world()
    spot, other_spot = (
        world.spot,
        PassSpot.objects.create(merchant=world.merchant, name="红岩剧场", rate_fen=1000),
    )
    _third, third_staff = make_merchant(world.city, name="第三家")
    inactive_row = UserFactory()
    MerchantStaff.objects.create(merchant=world.other_merchant, user=inactive_row, active=False)
    gone = UserFactory(is_active=False)
    MerchantStaff.objects.create(merchant=world.other_merchant, user=gone)
    both = UserFactory()
    MerchantStaff.objects.create(merchant=world.other_merchant, user=both, role=MerchantStaff.Role.GATE)
    MerchantStaff.objects.create(merchant=world.merchant, user=both, role=MerchantStaff.Role.GATE)
    actors = {
        "spot's staff": (world.other_staff, {spot.pk}),
        "other merchant's staff": (world.merchant_staff, {other_spot.pk}),
        "third merchant": (third_staff, set()),
        "inactive staff row": (inactive_row, set()),
        "inactive user": (gone, set()),
        "staff of two merchants": (both, {spot.pk, other_spot.pk}),
        "union staff": (world.union_staff, set()),
        "worker": (world.worker, set()),
    }
    for label, (user, allowed) in actors.items():
        for pk in (spot.pk, other_spot.pk, 999_999, "x", None):
            one, memo = _both(user, pk)
            assert one == memo, (label, pk)
            assert (one != "404") == (pk in allowed), (label, pk)


def test_the_gate_reads_its_spot_in_one_statement() -> None:
    world = build_world()
    user = world.other_staff
    access.forget_merchants(user)
    with CaptureQueriesContext(connection) as ctx:
        assert access.access_merchant_object(PassSpot.objects.all(), user, world.spot.pk) == world.spot
    assert len(ctx.captured_queries) == 1
    assert "tourism_merchantstaff" in ctx.captured_queries[0]["sql"]
