"""Two organisers press 抽签 at the same moment: one draw (real threads against PostgreSQL).

The draw locks the activity row and re-checks its status under the lock, so the second waits for
the first to commit and is told the activity is drawn. Behind that lock the one-statement writer
writes only rows still ``entered`` and the draw refuses when the count differs — so even without
the lock a second draw would write nothing."""

from __future__ import annotations

import pytest

from tests.helpers import UserFactory, grant, requires_postgres
from tests.race import race
from yugong.core.errors import Conflict
from yugong.core.models import AuditEvent
from yugong.events import lottery
from yugong.events.models import Activity, SignUp
from yugong.events.services import activity_draw, quota_allocate, signup_create

from .conftest import SEED, World, close_signup, make_activity, make_member

pytestmark = [requires_postgres, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_organisers_drawing_at_once_make_one_draw(world: World) -> None:
    activity = make_activity(world, places=5, repeat_penalty_pct=100)
    quota_allocate(actor=world.organiser, activity_id=activity.pk, union_id=world.yuzhong.pk, places=2)
    for union in (world.store, world.jiangbei, world.city):
        for _ in range(5):
            signup_create(actor=make_member(union)[0], activity_id=activity.pk)
    close_signup(activity)
    second = UserFactory(display_name="市总另一位干部")
    grant(second, world.city, "staff")
    organisers = [world.organiser, second]

    results = race(2, lambda i: activity_draw(actor=organisers[i], activity_id=activity.pk, seed=SEED))

    drawn = [r for r in results if isinstance(r, lottery.Result)]
    refused = [r for r in results if isinstance(r, Conflict)]
    assert len(drawn) == 1 and len(refused) == 1, results
    assert refused[0].code == "already_drawn"
    activity.refresh_from_db()
    assert activity.status == Activity.Status.DRAWN and activity.seed == SEED
    assert AuditEvent.objects.filter(action="activity.draw", object_id=str(activity.pk)).count() == 1
    rows = SignUp.objects.filter(activity=activity)
    assert rows.filter(status=SignUp.Status.WON).count() == 5
    assert rows.filter(status=SignUp.Status.WAITING).count() == 10
    assert sorted(lottery.flat_winners(drawn[0])) == sorted(
        rows.filter(won_at_draw=True).values_list("id", flat=True)
    )
