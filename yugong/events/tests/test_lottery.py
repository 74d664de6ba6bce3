from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from yugong.core.errors import Conflict, ValidationFailed
from yugong.events import lottery
from yugong.events.models import SignUp
from yugong.events.services import (
    activity_commit_seed,
    activity_draw,
    quota_allocate,
    signup_create,
    signup_withdraw,
)

from .conftest import SEED, World, close_signup, make_activity, make_member

ENTRIES = [lottery.Entry(number=n, pool=n % 3) for n in range(1, 301)]
PLACES = {0: 10, 1: 5, 2: 0}


def test_the_draw_is_reproducible_from_seed_and_list() -> None:
    a = lottery.draw(seed=SEED, activity_id=7, entries=ENTRIES, places=PLACES)
    b = lottery.draw(seed=SEED, activity_id=7, entries=list(reversed(ENTRIES)), places=PLACES)
    assert a == b
    assert [len(a.winners[p]) for p in (0, 1, 2)] == [10, 5, 0]
    assert len(a.waiting[0]) == 90 and len(a.waiting[2]) == 100
    assert set(a.winners[0]).isdisjoint(a.waiting[0])


def test_another_seed_gives_another_draw() -> None:
    a = lottery.draw(seed=SEED, activity_id=7, entries=ENTRIES, places=PLACES)
    b = lottery.draw(seed=SEED + "x", activity_id=7, entries=ENTRIES, places=PLACES)
    assert a.winners != b.winners


def test_known_vector() -> None:
    """Pins the documented formula so that an independent re-implementation can check itself."""
    e = lottery.Entry(number=1, pool=0)
    assert lottery.commitment("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert lottery.entry_key("abc", 1, e, 0) < 0


def test_weighting_against_repeat_winners() -> None:
    entries = [lottery.Entry(number=n, pool=0, prior_wins=1 if n % 2 else 0) for n in range(1, 2001)]
    flat = lottery.draw(seed=SEED, activity_id=1, entries=entries, places={0: 500})
    heavy = lottery.draw(seed=SEED, activity_id=1, entries=entries, places={0: 500}, penalty_pct=300)
    repeat = lambda r: sum(1 for n in r.winners[0] if n % 2)  # noqa: E731
    assert repeat(heavy) < repeat(flat) * 0.6


@pytest.mark.django_db
def test_draw_checks_commitment_and_is_verifiable(world: World) -> None:
    activity = make_activity(world, places=3, seed_hash="")
    activity_commit_seed(actor=world.organiser, activity_id=activity.pk, seed_hash=lottery.commitment(SEED))
    with pytest.raises(Conflict):  # committed once, never changed
        activity_commit_seed(
            actor=world.organiser, activity_id=activity.pk, seed_hash=lottery.commitment("other")
        )
    store = quota_allocate(actor=world.organiser, activity_id=activity.pk, union_id=world.store.pk, places=1)
    users = [make_member(world.store)[0] for _ in range(4)] + [
        make_member(world.jiangbei)[0] for _ in range(4)
    ]
    for u in users:
        signup_create(actor=u, activity_id=activity.pk)
    with pytest.raises(Conflict):  # not before sign-up closes
        activity_draw(actor=world.organiser, activity_id=activity.pk, seed=SEED)
    close_signup(activity)
    with pytest.raises(ValidationFailed) as exc:
        activity_draw(actor=world.organiser, activity_id=activity.pk, seed="guess")
    assert "seed" in exc.value.fields
    result = activity_draw(actor=world.organiser, activity_id=activity.pk, seed=SEED)
    assert len(result.winners[store.pk]) == 1 and len(result.winners[0]) == 2
    won = SignUp.objects.filter(status=SignUp.Status.WON)
    assert won.count() == 3 and won.filter(quota=store).count() == 1
    waiting = list(SignUp.objects.filter(status=SignUp.Status.WAITING, quota=None).order_by("wait_rank"))
    assert [s.pk for s in waiting] == result.waiting[0]

    # a winner withdraws: the first on the same pool's waiting list is offered the place
    loser = won.filter(quota=None).first()
    assert loser is not None
    signup_withdraw(actor=loser.person.user, signup_id=loser.pk)
    waiting[0].refresh_from_db()
    assert waiting[0].status == SignUp.Status.OFFERED and waiting[0].offer_expires_at is not None

    out = StringIO()
    call_command("lottery_verify", activity=activity.pk, seed=SEED, stdout=out)
    assert "verified" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("lottery_verify", activity=activity.pk, seed="wrong", stdout=StringIO())
