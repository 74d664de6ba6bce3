"""Each kind's own rules: contest votes (one a day, fraud flags, review first), 相亲 mutual consent
(no contact before both agreed), childcare capacity per age group and daily attendance, fitness
streaks; the offline check-in sync (re-sent queues change nothing) and the survey."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.db import connection

from tests.helpers import UserFactory
from yugong.core import timeutil
from yugong.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from yugong.core.models import AuditEvent
from yugong.events import days, kinds
from yugong.events.attendance import checkin_token
from yugong.events.models import SignUp
from yugong.events.models_kinds import CheckinScan, MatchProfile, Work
from yugong.events.services import activity_draw, signup_create

from .conftest import SEED, World, close_signup, make_activity, make_member

pytestmark = pytest.mark.django_db


def _won(world: World, kind: str, n: int = 2, **kw: Any) -> tuple[Any, list[Any]]:
    activity = make_activity(world, kind=kind, places=n, **kw)
    users = [make_member(world.store)[0] for _ in range(n)]
    for u in users:
        signup_create(actor=u, activity_id=activity.pk)
    close_signup(activity)
    activity_draw(actor=world.organiser, activity_id=activity.pk, seed=SEED)
    return activity, users


def _work(world: World, activity: Any, user: Any) -> Work:
    signup = SignUp.objects.get(activity=activity, person__user=user)
    return Work.objects.create(activity=activity, signup=signup, kind="photo", title="山城晨光")


def test_votes_once_a_day_only_for_published_works_and_flags_new_accounts(world: World) -> None:
    activity, (author,) = _won(world, "contest", 1)
    work = _work(world, activity, author)
    voter, _ = make_member(world.jiangbei)
    voter.date_joined = activity.signup_opens_at - dt.timedelta(days=30)
    voter.save(update_fields=["date_joined"])
    with pytest.raises(NotFound):  # nothing is public before review
        kinds.vote_cast(actor=voter, work_id=work.pk)
    with pytest.raises(ValidationFailed):
        kinds.work_review(actor=world.organiser, work_id=work.pk, publish=False)
    kinds.work_review(actor=world.organiser, work_id=work.pk, publish=True)
    kinds.vote_cast(actor=voter, work_id=work.pk, ip="10.0.0.1")
    with pytest.raises(Conflict) as again:
        kinds.vote_cast(actor=voter, work_id=work.pk, ip="10.0.0.1")
    assert again.value.code == "voted_today"
    with time_machine.travel(timeutil.now() + dt.timedelta(days=1)):
        kinds.vote_cast(actor=voter, work_id=work.pk)
    fresh, _ = make_member(world.jiangbei)  # account made after the contest opened: kept, not counted
    assert kinds.vote_cast(actor=fresh, work_id=work.pk).flag == "new_account"
    work.refresh_from_db()
    assert work.votes == 2
    with pytest.raises(PermissionDenied):  # not a member
        kinds.vote_cast(actor=UserFactory(), work_id=work.pk)


def test_votes_from_one_ip_in_a_burst_are_flagged(world: World) -> None:
    activity, (author,) = _won(world, "contest", 1)
    work = _work(world, activity, author)
    kinds.work_review(actor=world.organiser, work_id=work.pk, publish=True)
    flags = []
    for _ in range(kinds.IP_BURST + 2):
        voter, _p = make_member(world.jiangbei)
        voter.date_joined = activity.signup_opens_at - dt.timedelta(days=1)
        voter.save(update_fields=["date_joined"])
        flags.append(kinds.vote_cast(actor=voter, work_id=work.pk, ip="10.9.9.9").flag)
    assert flags[: kinds.IP_BURST] == [""] * kinds.IP_BURST and set(flags[kinds.IP_BURST :]) == {"ip_burst"}
    work.refresh_from_db()
    assert work.votes == kinds.IP_BURST


def test_matchmaking_reveals_contact_only_when_both_agreed(world: World) -> None:
    activity, (a, b) = _won(world, "matchmaking", 2)
    pa = kinds.match_profile_save(
        actor=a, activity_id=activity.pk, nickname="阿明", intro="爱爬山", contact="wx-aming-88", consent=True
    )
    pb = kinds.match_profile_save(
        actor=b, activity_id=activity.pk, nickname="小雨", intro="爱读书", contact="13912345678", consent=True
    )
    with connection.cursor() as cursor:  # encrypted at rest
        cursor.execute("SELECT contact FROM events_matchprofile WHERE id = %s", [pb.pk])
        assert "13912345678" not in cursor.fetchone()[0]
    assert kinds.match_interest(actor=a, activity_id=activity.pk, target_id=pb.pk) is False
    (card,) = kinds.match_cards(actor=a, activity_id=activity.pk)
    assert card.i_am_interested and not card.mutual and card.contact == "" and card.real_name == ""
    (other,) = kinds.match_cards(actor=b, activity_id=activity.pk)
    assert other.contact == "" and not other.mutual and not other.i_am_interested
    assert "wx-aming-88" not in repr(kinds.match_cards(actor=b, activity_id=activity.pk))
    assert not AuditEvent.objects.filter(action="pii.view").exists()
    assert kinds.match_interest(actor=b, activity_id=activity.pk, target_id=pa.pk) is True
    (card,) = kinds.match_cards(actor=a, activity_id=activity.pk)
    assert card.mutual and card.contact == "13912345678" and card.real_name
    assert AuditEvent.objects.filter(action="pii.view", object_id=str(pb.pk)).exists()
    outsider, _ = make_member(world.store)
    with pytest.raises(NotFound):
        kinds.match_cards(actor=outsider, activity_id=activity.pk)
    with pytest.raises(NotFound):  # no interest in oneself
        kinds.match_interest(actor=a, activity_id=activity.pk, target_id=pa.pk)
    assert MatchProfile.objects.count() == 2


def test_childcare_groups_by_age_with_capacity_and_daily_attendance(world: World) -> None:
    activity, (a, b) = _won(world, "childcare", 2)
    small = kinds.childcare_group_add(
        actor=world.organiser, activity_id=activity.pk, name="幼儿班", min_age=3, max_age=6, capacity=1
    )
    with pytest.raises(ValidationFailed) as overlap:
        kinds.childcare_group_add(
            actor=world.organiser, activity_id=activity.pk, name="重叠", min_age=6, max_age=9, capacity=5
        )
    assert "min_age" in overlap.value.fields
    kinds.childcare_group_add(
        actor=world.organiser, activity_id=activity.pk, name="小学班", min_age=7, max_age=12, capacity=5
    )
    child = kinds.child_enrol(
        actor=a, activity_id=activity.pk, child_name="小明", child_age=5, guardian_phone="13800001111"
    )
    assert child.group_id == small.pk
    with pytest.raises(Conflict) as full:
        kinds.child_enrol(
            actor=b, activity_id=activity.pk, child_name="小红", child_age=4, guardian_phone="13800002222"
        )
    assert full.value.code == "group_full"
    with pytest.raises(ValidationFailed) as age:
        kinds.child_enrol(
            actor=b, activity_id=activity.pk, child_name="小刚", child_age=14, guardian_phone="13800002222"
        )
    assert "child_age" in age.value.fields
    assert kinds.child_attendance_mark(actor=world.organiser, enrolment_id=child.pk) is True
    assert kinds.child_attendance_mark(actor=world.organiser, enrolment_id=child.pk) is False
    with pytest.raises(NotFound):  # 江北's officer does not reach the city's activity
        kinds.child_attendance_mark(actor=world.jb_staff, enrolment_id=child.pk)


def test_fitness_one_entry_a_day_and_streaks(world: World) -> None:
    activity, (a,) = _won(world, "fitness", 1)
    today = timeutil.local_today()
    kinds.fitness_record(
        actor=a, activity_id=activity.pk, steps=8000, distance_m=5600, day=today - dt.timedelta(days=1)
    )
    kinds.fitness_record(actor=a, activity_id=activity.pk, steps=9000, distance_m=6000)
    kinds.fitness_record(actor=a, activity_id=activity.pk, steps=12000, distance_m=8000)  # corrects today
    with pytest.raises(ValidationFailed):
        kinds.fitness_record(actor=a, activity_id=activity.pk, steps=500_000, distance_m=0)
    (row,) = kinds.fitness_board(activity)
    assert (row["steps"], row["distance_m"]) == (20000, 13600)
    assert (
        kinds.fitness_streak([today, today - dt.timedelta(days=1), today - dt.timedelta(days=3)], today) == 2
    )
    assert kinds.fitness_streak([today - dt.timedelta(days=1)], today) == 1
    assert kinds.fitness_streak([today - dt.timedelta(days=2)], today) == 0


def test_offline_queue_synced_twice_checks_in_once(world: World) -> None:
    activity, users = _won(world, "culture", 2)
    signups = list(SignUp.objects.filter(activity=activity, status="won").order_by("pk"))
    queue = [
        {
            "client_id": "phone1-0001",
            "token": checkin_token(signups[0]),
            "scanned_at": timeutil.now().isoformat(),
        },
        {"client_id": "phone1-0002", "token": checkin_token(signups[0])},  # the same code scanned twice
        {"client_id": "phone1-0003", "token": checkin_token(signups[1])},
        {"client_id": "phone1-0004", "token": "not-a-code"},
    ]
    first = days.checkin_sync(actor=world.organiser, activity_id=activity.pk, scans=queue)
    assert [r["result"] for r in first] == ["checked_in", "again", "checked_in", "refused"]
    again = days.checkin_sync(actor=world.organiser, activity_id=activity.pk, scans=queue)
    assert again == first
    assert CheckinScan.objects.count() == 4
    assert SignUp.objects.filter(activity=activity, checked_in_at__isnull=False).count() == 2
    assert AuditEvent.objects.filter(action="activity.checkin").count() == 2
    with pytest.raises(NotFound):
        days.checkin_sync(actor=world.jb_staff, activity_id=activity.pk, scans=queue)


def test_survey_one_response_per_participant_and_results(world: World) -> None:
    activity, (a, b) = _won(world, "fitness", 2, starts_at=timeutil.now() - dt.timedelta(hours=1))
    score = days.survey_question_add(
        actor=world.organiser, activity_id=activity.pk, text="总体满意度", kind="score"
    )
    choice = days.survey_question_add(
        actor=world.organiser,
        activity_id=activity.pk,
        text="下次还参加吗",
        kind="choice",
        options=["会", "不会"],
    )
    with pytest.raises(ValidationFailed) as bad:
        days.survey_respond(
            actor=a, activity_id=activity.pk, answers={str(score.pk): "9", str(choice.pk): "会"}
        )
    assert f"q{score.pk}" in bad.value.fields
    days.survey_respond(actor=a, activity_id=activity.pk, answers={str(score.pk): "5", str(choice.pk): "会"})
    days.survey_respond(
        actor=b, activity_id=activity.pk, answers={str(score.pk): "4", str(choice.pk): "不会"}
    )
    with pytest.raises(Conflict):
        days.survey_respond(
            actor=a, activity_id=activity.pk, answers={str(score.pk): "1", str(choice.pk): "会"}
        )
    results = days.survey_results(activity)
    assert results[0]["average"] == 4.5 and results[1]["options"] == [("会", 1), ("不会", 1)]
    with pytest.raises(ValidationFailed):  # questions are fixed once someone answered
        days.survey_question_add(actor=world.organiser, activity_id=activity.pk, text="补充", kind="text")


def test_the_api_carries_no_contact_before_both_agreed_and_votes_once(world: World, client: Any) -> None:
    activity, (a, b) = _won(world, "matchmaking", 2)
    pa = kinds.match_profile_save(
        actor=a, activity_id=activity.pk, nickname="阿明", intro="", contact="wx-aming-88", consent=True
    )
    pb = kinds.match_profile_save(
        actor=b, activity_id=activity.pk, nickname="小雨", intro="", contact="13912345678", consent=True
    )
    client.force_login(a)
    url = f"/api/v1/activities/{activity.pk}/match/cards"
    resp = client.post(f"/api/v1/activities/{activity.pk}/match/interest/{pb.pk}")
    assert resp.status_code == 200 and resp.json() == {"mutual": False}
    body = client.get(url).content.decode()
    assert "13912345678" not in body and "wx-aming-88" not in body and pb.signup.person.name not in body
    client.force_login(b)
    assert "wx-aming-88" not in client.get(url).content.decode()
    assert client.post(f"/api/v1/activities/{activity.pk}/match/interest/{pa.pk}").json() == {"mutual": True}
    assert "wx-aming-88" in client.get(url).content.decode()
    client.force_login(a)
    (card,) = client.get(url).json()
    assert card["contact"] == "13912345678" and card["mutual"]
    outsider, _ = make_member(world.store)
    client.force_login(outsider)
    assert client.get(url).status_code == 404

    contest, (author,) = _won(world, "contest", 1)
    work = _work(world, contest, author)
    kinds.work_review(actor=world.organiser, work_id=work.pk, publish=True)
    voter, _ = make_member(world.jiangbei)
    voter.date_joined = contest.signup_opens_at - dt.timedelta(days=3)
    voter.save(update_fields=["date_joined"])
    client.force_login(voter)
    first = client.post(f"/api/v1/activities/works/{work.pk}/votes", HTTP_X_DEVICE_ID="phone-1")
    assert first.status_code == 201 and first.json()["counted"] is True
    again = client.post(f"/api/v1/activities/works/{work.pk}/votes", HTTP_X_DEVICE_ID="phone-2")
    assert again.status_code == 409 and again.json()["code"] == "voted_today"
