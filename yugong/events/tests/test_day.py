"""Timed waiting-list offers, pools chosen at the draw, QR check-in, no-shows and the console forms."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from yugong.accounts.system import system_actor
from yugong.core import timeutil
from yugong.core.errors import Conflict, ValidationFailed
from yugong.events.attendance import activity_record_no_shows, checkin_token, signup_checkin
from yugong.events.models import Activity, SignUp
from yugong.events.services import (
    activity_draw,
    activity_update,
    offers_expire,
    quota_allocate,
    signup_create,
    signup_offer_accept,
    signup_withdraw,
)

from .conftest import SEED, World, close_signup, make_activity, make_member

pytestmark = pytest.mark.django_db


def _drawn(world: World, *, places: int, members: int, **kw: Any) -> tuple[Activity, list[SignUp]]:
    activity = make_activity(world, places=places, offer_hours=2, **kw)
    users = [make_member(world.store)[0] for _ in range(members)]
    for u in users:
        signup_create(actor=u, activity_id=activity.pk)
    close_signup(activity)
    activity_draw(actor=world.organiser, activity_id=activity.pk, seed=SEED)
    return activity, list(SignUp.objects.filter(activity=activity).select_related("person__user"))


def test_a_freed_place_is_offered_and_passes_on_when_the_offer_runs_out(world: World) -> None:
    activity, signups = _drawn(world, places=1, members=3)
    winner = next(s for s in signups if s.status == SignUp.Status.WON)
    waiting = sorted(
        (s for s in signups if s.status == SignUp.Status.WAITING), key=lambda s: s.wait_rank or 0
    )
    start = timeutil.now()
    with time_machine.travel(start, tick=False):
        signup_withdraw(actor=winner.person.user, signup_id=winner.pk)
    first, second = waiting
    first.refresh_from_db()
    assert first.status == SignUp.Status.OFFERED
    assert first.offer_expires_at == start + dt.timedelta(hours=2)
    # Not yet due: nothing moves.
    with time_machine.travel(start + dt.timedelta(hours=1, minutes=59), tick=False):
        assert offers_expire(actor=system_actor()) == 0
    # Due: the command passes it on to the next, who accepts in time.
    with time_machine.travel(start + dt.timedelta(hours=2, minutes=1), tick=False):
        out = StringIO()
        call_command("activity_offers_expire", stdout=out)
        assert "expired offers: 1" in out.getvalue()
        with pytest.raises(Conflict):
            signup_offer_accept(actor=first.person.user, signup_id=first.pk)
        signup_offer_accept(actor=second.person.user, signup_id=second.pk)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == SignUp.Status.EXPIRED
    assert second.status == SignUp.Status.WON and second.offer_expires_at is None
    assert SignUp.objects.filter(activity=activity, status=SignUp.Status.WON).count() == 1


def test_an_offer_accepted_in_time_holds(world: World) -> None:
    _activity, signups = _drawn(world, places=1, members=2)
    winner = next(s for s in signups if s.status == SignUp.Status.WON)
    other = next(s for s in signups if s.status == SignUp.Status.WAITING)
    start = timeutil.now()
    with time_machine.travel(start, tick=False):
        signup_withdraw(actor=winner.person.user, signup_id=winner.pk)
    with time_machine.travel(start + dt.timedelta(minutes=90), tick=False):
        signup_offer_accept(actor=other.person.user, signup_id=other.pk)
    with time_machine.travel(start + dt.timedelta(hours=5), tick=False):
        assert offers_expire(actor=system_actor()) == 0
    other.refresh_from_db()
    assert other.status == SignUp.Status.WON


def test_the_pool_is_chosen_at_draw_time(world: World) -> None:
    activity = make_activity(world, places=5)
    users = [make_member(world.store)[0] for _ in range(3)]
    for u in users:
        signup_create(actor=u, activity_id=activity.pk)
    assert not SignUp.objects.filter(activity=activity, quota__isnull=False).exists()
    # The quota arrives after the sign-ups: the draw still puts them in its pool.
    store = quota_allocate(actor=world.organiser, activity_id=activity.pk, union_id=world.store.pk, places=1)
    close_signup(activity)
    result = activity_draw(actor=world.organiser, activity_id=activity.pk, seed=SEED)
    assert SignUp.objects.filter(activity=activity, quota=store).count() == 3
    assert len(result.winners[store.pk]) == 1
    assert SignUp.objects.filter(activity=activity, status=SignUp.Status.WON).count() == 1


def test_qr_checkin_is_idempotent_and_no_shows_weigh_on_the_next_signup(world: World) -> None:
    activity, signups = _drawn(world, places=2, members=2, starts_at=timeutil.now() + dt.timedelta(days=1))
    came, stayed_away = signups
    token = checkin_token(came)
    first = signup_checkin(actor=world.organiser, activity_id=activity.pk, token=token)
    again = signup_checkin(actor=world.organiser, activity_id=activity.pk, token=token)  # a synced duplicate
    assert first[1] is True and again[1] is False
    with pytest.raises(ValidationFailed):
        signup_checkin(actor=world.organiser, activity_id=activity.pk, token=token + "x")
    other = make_activity(world, places=1)
    with pytest.raises(ValidationFailed):
        signup_checkin(actor=world.organiser, activity_id=other.pk, token=token)
    with pytest.raises(Conflict):  # before the activity began
        activity_record_no_shows(actor=world.organiser, activity_id=activity.pk)
    Activity.objects.filter(pk=activity.pk).update(starts_at=timeutil.now() - dt.timedelta(hours=1))
    assert activity_record_no_shows(actor=world.organiser, activity_id=activity.pk) == 1
    stayed_away.refresh_from_db()
    assert stayed_away.no_show and not SignUp.objects.get(pk=came.pk).no_show
    # Next time: one win counts once, a win not turned up to counts twice.
    following = make_activity(world, places=1, repeat_penalty_pct=100)
    a = signup_create(actor=came.person.user, activity_id=following.pk)
    b = signup_create(actor=stayed_away.person.user, activity_id=following.pk)
    assert (a.prior_wins, b.prior_wins) == (1, 2)


def test_update_keeps_the_rules_once_signup_opened(world: World) -> None:
    activity = make_activity(world, places=10)
    updated = activity_update(
        actor=world.organiser, activity_id=activity.pk, title="职工运动会（改期）", venue="奥体中心"
    )
    assert updated.venue == "奥体中心"
    with pytest.raises(ValidationFailed) as exc:
        activity_update(actor=world.organiser, activity_id=activity.pk, places=20)
    assert "places" in exc.value.fields
    future = make_activity(
        world,
        places=10,
        signup_opens_at=timeutil.now() + dt.timedelta(days=1),
        signup_closes_at=timeutil.now() + dt.timedelta(days=2),
    )
    assert activity_update(actor=world.organiser, activity_id=future.pk, places=20).places == 20


def _client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_console_creates_an_activity_and_an_officer_signs_up_a_group(world: World) -> None:
    organiser = _client(world.organiser)
    now = timeutil.local_now()
    fmt = "%Y-%m-%dT%H:%M"
    form = {
        "union": world.city.pk,
        "title": "职工羽毛球赛",
        "kind": "sports",
        "places": "2",
        "signup_opens_at": (now - dt.timedelta(hours=1)).strftime(fmt),
        "signup_closes_at": (now + dt.timedelta(days=2)).strftime(fmt),
        "members_only": "on",
        "repeat_penalty_pct": "100",
        "offer_hours": "24",
        "seed_hash": "",
    }
    bad = organiser.post(reverse("events:console_new"), {**form, "signup_closes_at": form["signup_opens_at"]})
    assert bad.status_code == 422 and "报名截止须晚于报名开始" in bad.content.decode()
    response = organiser.post(reverse("events:console_new"), form)
    assert response.status_code == 302
    activity = Activity.objects.get(title="职工羽毛球赛")
    assert activity.repeat_penalty_pct == 100
    detail = reverse("events:console_detail", args=[activity.pk])
    assert (
        organiser.post(
            detail, {"action": "allocate", "union_id": world.yuzhong.pk, "places": "1"}
        ).status_code
        == 302
    )
    assert organiser.post(detail, {"action": "seed", "seed_hash": "nothex"}).status_code == 422
    assert organiser.post(detail, {"action": "seed", "seed_hash": "a" * 64}).status_code == 302

    members = [make_member(world.store)[1] for _ in range(3)]
    officer = _client(world.store_staff)
    group = reverse("events:console_group", args=[activity.pk])
    page = officer.get(group).content.decode()
    assert members[0].name in page
    response = officer.post(group, {"union": world.store.pk, "persons": [m.pk for m in members[:2]]})
    assert response.status_code == 302
    assert SignUp.objects.filter(activity=activity).count() == 2
    # Another district's officer may sign up their own members, not the store's.
    other = _client(world.jb_staff)
    assert members[2].name not in other.get(group).content.decode()
    refused = other.post(group, {"union": world.jiangbei.pk, "persons": [members[2].pk]})
    assert refused.status_code == 422
    assert not SignUp.objects.filter(activity=activity, person=members[2]).exists()


def test_worker_sees_the_checkin_code_and_accepts_an_offer(world: World) -> None:
    activity, signups = _drawn(world, places=1, members=2)
    winner = next(s for s in signups if s.status == SignUp.Status.WON)
    other = next(s for s in signups if s.status == SignUp.Status.WAITING)
    c = _client(winner.person.user)
    mine = c.get(reverse("events:h5_mine")).content.decode()
    assert 'data-testid="checkin-qr"' in mine
    qr = c.get(reverse("events:h5_checkin_qr", args=[winner.pk]))
    assert qr.status_code == 200 and qr["Content-Type"] == "image/svg+xml"
    assert (
        _client(other.person.user).get(reverse("events:h5_checkin_qr", args=[winner.pk])).status_code == 404
    )
    assert c.post(reverse("events:h5_signup_action", args=[winner.pk, "withdraw"])).status_code == 302
    o = _client(other.person.user)
    assert 'data-testid="accept-offer"' in o.get(reverse("events:h5_mine")).content.decode()
    assert o.post(reverse("events:h5_signup_action", args=[other.pk, "accept"])).status_code == 302
    other.refresh_from_db()
    assert other.status == SignUp.Status.WON
    staff = _client(world.organiser)
    url = reverse("events:console_checkin", args=[activity.pk])
    assert staff.get(url).status_code == 200
    done = staff.post(url, {"token": checkin_token(other)}).content.decode()
    assert "签到成功" in done
    assert "已签到过" in staff.post(url, {"token": checkin_token(other)}).content.decode()


def test_api_signup_and_mine(world: World) -> None:
    activity = make_activity(world, places=1)
    user, _person = make_member(world.store)
    c = _client(user)
    url = f"/api/v1/activities/{activity.pk}/signups"
    first = c.post(url)
    assert first.status_code == 201 and first.json()["status"] == "entered"
    assert c.post(url).status_code == 409
    assert [s["activity_id"] for s in c.get("/api/v1/activities/mine").json()] == [activity.pk]
    assert Client().post(url).status_code == 401
    assert c.post("/api/v1/activities/999999/signups").status_code == 404
