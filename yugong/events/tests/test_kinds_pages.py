"""The kinds' pages through the Django client: contest works (submit with uploads checked by their
bytes, my works, the gallery with votes, the ranking, the staff review queue), 相亲联谊 (consent,
card, participants without contact, matches with contact, audited), 爱心托管 (enrol, masked phone,
the staff's daily roster in one POST) and 健身打卡 (check in, streak, board). Refusals answer as the
API does (404 like missing, 403 for a non-member's vote); lists keep a flat query count."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from tests.helpers import UserFactory, assert_max_queries
from yugong.core import timeutil
from yugong.core.models import AuditEvent
from yugong.events import kinds, works
from yugong.events.models import SignUp
from yugong.events.models_kinds import ChildAttendance, ChildEnrolment, MatchProfile, Vote, Work
from yugong.events.services import activity_draw, signup_create

from .conftest import SEED, World, close_signup, make_activity, make_member

pytestmark = pytest.mark.django_db

MP4_HEAD = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 64


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path)


def jpeg(name: str = "photo.jpg", size: tuple[int, int] = (1200, 900)) -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", size, (200, 30, 40)).save(buf, "JPEG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/jpeg")


def drawn(world: World, kind: str, users: list[Any], **kw: Any) -> Any:
    """An activity of ``kind`` where every one of ``users`` signed up and won."""
    activity = make_activity(world, kind=kind, places=max(len(users), 1), **kw)
    for u in users:
        signup_create(actor=u, activity_id=activity.pk)
    close_signup(activity)
    activity_draw(actor=world.organiser, activity_id=activity.pk, seed=SEED)
    return activity


def old_member(world: World) -> Any:
    """A member whose account predates the contest (a new account's vote is kept but not counted)."""
    user, _ = make_member(world.jiangbei)
    user.date_joined = timeutil.now() - dt.timedelta(days=90)
    user.save(update_fields=["date_joined"])
    return user


def submit(world: World, activity: Any, user: Any, title: str = "山城晨光") -> Work:
    return works.work_submit(actor=user, activity_id=activity.pk, kind="photo", title=title, picture=jpeg())


# --- contest works --------------------------------------------------------------------------------


def test_a_photo_goes_from_upload_through_review_to_a_counted_vote(client: Any, world: World) -> None:
    author, _ = make_member(world.store)
    activity = drawn(world, "contest", [author])
    client.force_login(author)
    url = reverse("events:kinds_work_submit", args=[activity.pk])
    assert 'data-testid="work-form"' in client.get(url).content.decode()
    resp = client.post(url, {"kind": "photo", "title": "凌晨四点的菜市场", "body": "菜农", "picture": jpeg()})
    assert resp.status_code == 302
    work = Work.objects.get(activity=activity)
    assert work.status == Work.Status.PENDING and work.picture and work.renditions  # 480 and 960 wide
    mine = client.get(reverse("events:kinds_my_works")).content.decode()
    assert "凌晨四点的菜市场" in mine and str(Work.Status.PENDING.label) in mine
    gallery_url = reverse("events:kinds_works", args=[activity.pk])
    assert 'data-testid="work"' not in client.get(gallery_url).content.decode()  # not before review

    client.force_login(world.organiser)
    queue = client.get(reverse("events:console_works")).content.decode()
    assert "凌晨四点的菜市场" in queue
    review = reverse("events:console_work_review", args=[work.pk])
    assert client.post(review, {"decision": "reject"}).status_code == 302  # no reason: refused
    work.refresh_from_db()
    assert work.status == Work.Status.PENDING
    assert client.post(review, {"decision": "approve"}).status_code == 302
    work.refresh_from_db()
    assert work.status == Work.Status.PUBLISHED

    voter = old_member(world)
    client.force_login(voter)
    page = client.get(gallery_url).content.decode()
    assert 'data-testid="votes-left">1<' in page and 'data-testid="vote"' in page
    vote_url = reverse("events:kinds_work_vote", args=[work.pk])
    assert client.post(vote_url).status_code == 302
    again = client.post(vote_url, follow=True)
    assert "今天已经投过票了" in again.content.decode()
    work.refresh_from_db()
    assert work.votes == 1 and Vote.objects.filter(work=work).count() == 1
    page = client.get(gallery_url).content.decode()
    assert 'data-testid="votes-left">0<' in page and 'data-testid="voted-for"' in page
    ranking = client.get(reverse("events:kinds_works_ranking", args=[activity.pk])).content.decode()
    assert "凌晨四点的菜市场" in ranking


def test_votes_are_refused_as_the_api_refuses_them(client: Any, world: World) -> None:
    author, _ = make_member(world.store)
    activity = drawn(world, "contest", [author])
    work = submit(world, activity, author)
    vote_url = reverse("events:kinds_work_vote", args=[work.pk])
    assert client.post(vote_url).status_code == 302  # anonymous: to sign in
    client.force_login(old_member(world))
    assert client.post(vote_url).status_code == 404  # pending: not public, like missing
    kinds.work_review(actor=world.organiser, work_id=work.pk, publish=True)
    client.force_login(UserFactory())  # signed in, not a member
    assert client.post(vote_url).status_code == 403
    assert client.post(reverse("events:kinds_work_vote", args=[99999])).status_code == 404
    assert not Vote.objects.exists()


def test_uploads_are_checked_by_their_bytes_not_their_names(client: Any, world: World) -> None:
    author, _ = make_member(world.store)
    activity = drawn(world, "contest", [author])
    client.force_login(author)
    url = reverse("events:kinds_work_submit", args=[activity.pk])
    fake = SimpleUploadedFile("photo.jpg", b"this is not a picture", content_type="image/jpeg")
    resp = client.post(url, {"kind": "photo", "title": "假图片", "picture": fake})
    assert resp.status_code == 422 and 'data-field="picture"' in resp.content.decode()
    not_video = SimpleUploadedFile("clip.mp4", b"GIF89a" + b"\x00" * 100, content_type="video/mp4")
    resp = client.post(url, {"kind": "video", "title": "假视频", "picture": jpeg(), "video": not_video})
    assert resp.status_code == 422 and 'data-field="video"' in resp.content.decode()
    assert not Work.objects.exists()
    clip = SimpleUploadedFile("clip.bin", MP4_HEAD, content_type="application/octet-stream")
    resp = client.post(url, {"kind": "video", "title": "车间里的老师傅", "picture": jpeg(), "video": clip})
    assert resp.status_code == 302
    work = Work.objects.get()
    assert work.kind == "video" and work.video.endswith(".mp4") and work.picture


@pytest.mark.parametrize(
    ("head", "fmt"),
    [
        (b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00", "mp4"),
        (b"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00", "mov"),
        (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\x82\x84webm", "webm"),
        (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x88matroska", ""),  # MKV: not for browsers
        (b"\x00\x00\x00\x20ftypheic\x00\x00\x00\x00", ""),  # a HEIC photo is ISO-BMFF too
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", ""),
        (b"", ""),
    ],
)
def test_video_format_by_magic_bytes(head: bytes, fmt: str) -> None:
    assert works.video_format(head) == fmt


def test_only_participants_submit_and_at_most_the_limit(client: Any, world: World, settings: Any) -> None:
    author, _ = make_member(world.store)
    activity = drawn(world, "contest", [author])
    url = reverse("events:kinds_work_submit", args=[activity.pk])
    outsider, _ = make_member(world.jiangbei)
    client.force_login(outsider)
    page = client.get(url).content.decode()
    assert 'data-testid="not-entered"' in page and 'data-testid="work-form"' not in page
    assert client.post(url, {"kind": "photo", "title": "x", "picture": jpeg()}).status_code == 404
    other_kind = make_activity(world, kind="fitness")
    assert client.get(reverse("events:kinds_work_submit", args=[other_kind.pk])).status_code == 404
    settings.EVENTS_WORKS_PER_ENTRANT = 1
    client.force_login(author)
    assert client.post(url, {"kind": "photo", "title": "一", "picture": jpeg()}).status_code == 302
    resp = client.post(url, {"kind": "photo", "title": "二", "picture": jpeg()})
    assert resp.status_code == 409 and "最多提交 1 件作品" in resp.content.decode()
    assert Work.objects.count() == 1


def test_the_review_queue_holds_only_the_officers_contests(client: Any, world: World) -> None:
    author, _ = make_member(world.store)
    activity = drawn(world, "contest", [author])
    work = submit(world, activity, author, "解放碑的清晨")
    client.force_login(world.jb_staff)  # another district's officer
    assert "解放碑的清晨" not in client.get(reverse("events:console_works")).content.decode()
    review = reverse("events:console_work_review", args=[work.pk])
    assert client.post(review, {"decision": "approve"}).status_code == 404
    client.force_login(author)  # a worker: the console's door
    assert client.get(reverse("events:console_works")).status_code == 403
    work.refresh_from_db()
    assert work.status == Work.Status.PENDING


@pytest.mark.parametrize("n", [3, 30])
def test_contest_lists_keep_a_flat_query_count(client: Any, world: World, n: int) -> None:
    authors = [make_member(world.store)[0] for _ in range(n)]
    activity = drawn(world, "contest", authors)
    for i, author in enumerate(authors):
        signup = SignUp.objects.get(activity=activity, person__user=author)
        Work.objects.create(
            activity=activity, signup=signup, kind="photo", title=f"作品{i}", status="published", votes=i
        )
    client.force_login(old_member(world))
    with assert_max_queries(14):
        assert client.get(reverse("events:kinds_works", args=[activity.pk])).status_code == 200
    with assert_max_queries(12):
        assert client.get(reverse("events:kinds_works_ranking", args=[activity.pk])).status_code == 200
    Work.objects.filter(activity=activity).update(status="pending")
    client.force_login(world.organiser)
    with assert_max_queries(14):
        assert client.get(reverse("events:console_works")).status_code == 200
    client.force_login(authors[0])
    with assert_max_queries(12):
        assert client.get(reverse("events:kinds_my_works")).status_code == 200


# --- 相亲联谊 --------------------------------------------------------------------------------------


def test_matchmaking_signup_needs_consent_and_contact_waits_for_both(client: Any, world: World) -> None:
    activity = make_activity(world, kind="matchmaking", places=3)
    a, _ = make_member(world.store)
    b, _ = make_member(world.store)
    c, _ = make_member(world.store)
    home = reverse("events:kinds_match", args=[activity.pk])
    signup_url = reverse("events:kinds_match_signup", args=[activity.pk])
    client.force_login(a)
    assert 'data-testid="consent-text"' in client.get(home).content.decode()
    resp = client.post(signup_url, {})
    assert resp.status_code == 422 and not SignUp.objects.exists()
    for user in (a, b, c):
        client.force_login(user)
        assert client.post(signup_url, {"consent": "1"}).status_code == 302
    assert AuditEvent.objects.filter(action="activity.match_consent").count() == 3
    close_signup(activity)
    activity_draw(actor=world.organiser, activity_id=activity.pk, seed=SEED)

    card_url = reverse("events:kinds_match_card", args=[activity.pk])
    client.force_login(a)
    assert 'data-testid="card-missing"' in client.get(home).content.decode()
    resp = client.post(card_url, {"nickname": "山城小王", "contact": "wx-a-2026"})
    assert resp.status_code == 422 and not MatchProfile.objects.exists()  # no consent to show it
    for user, nick, contact in (
        (a, "山城小王", "wx-a-2026"),
        (b, "江北小李", "13800002222"),
        (c, "丙", "c-0"),
    ):
        client.force_login(user)
        resp = client.post(
            card_url, {"nickname": nick, "intro": "爱爬山", "contact": contact, "consent": "1"}
        )
        assert resp.status_code == 302
    client.force_login(a)
    page = client.get(home).content.decode()
    assert "江北小李" in page and "13800002222" not in page and 'data-testid="interest"' in page
    pb = MatchProfile.objects.get(nickname="江北小李")
    pa = MatchProfile.objects.get(nickname="山城小王")
    client.post(reverse("events:kinds_match_interest", args=[activity.pk, pb.pk]))
    matches_url = reverse("events:kinds_match_matches", args=[activity.pk])
    assert "13800002222" not in client.get(matches_url).content.decode()  # one-sided: nothing yet
    client.force_login(b)
    resp = client.post(reverse("events:kinds_match_interest", args=[activity.pk, pa.pk]))
    assert resp.status_code == 302 and resp["Location"] == matches_url
    views_before = AuditEvent.objects.filter(action="pii.view").count()
    page = client.get(matches_url).content.decode()
    assert "wx-a-2026" in page and "丙" not in page
    assert AuditEvent.objects.filter(action="pii.view").count() == views_before + 1
    home_page = client.get(home).content.decode()  # the participants page reveals nothing
    assert "wx-a-2026" not in home_page
    assert AuditEvent.objects.filter(action="pii.view").count() == views_before + 1


def test_matchmaking_pages_refuse_as_the_api_does(client: Any, world: World) -> None:
    a, _ = make_member(world.store)
    activity = drawn(world, "matchmaking", [a])
    outsider, _ = make_member(world.jiangbei)  # not a participant
    client.force_login(outsider)
    assert client.get(reverse("events:kinds_match_matches", args=[activity.pk])).status_code == 404
    assert client.get(reverse("events:kinds_match_card", args=[activity.pk])).status_code == 404
    assert client.post(reverse("events:kinds_match_interest", args=[activity.pk, 1])).status_code == 404
    resp = client.post(reverse("events:kinds_match_signup", args=[activity.pk]), {"consent": "1"})
    assert resp.status_code in (409, 422)  # sign-up is closed: refused with the service's message
    sports = make_activity(world)
    assert client.get(reverse("events:kinds_match", args=[sports.pk])).status_code == 404


@pytest.mark.parametrize("n", [3, 20])
def test_participants_page_keeps_a_flat_query_count(client: Any, world: World, n: int) -> None:
    users = [make_member(world.store)[0] for _ in range(n)]
    activity = drawn(world, "matchmaking", users)
    for i, u in enumerate(users):
        kinds.match_profile_save(
            actor=u, activity_id=activity.pk, nickname=f"会员{i}", intro="", contact=f"c{i}", consent=True
        )
    client.force_login(users[0])
    with assert_max_queries(14):
        page = client.get(reverse("events:kinds_match", args=[activity.pk])).content.decode()
    assert page.count('data-testid="match-card"') == n - 1


# --- 爱心托管 --------------------------------------------------------------------------------------


def test_a_guardian_enrols_a_child_and_staff_mark_the_day(client: Any, world: World) -> None:
    guardian, _ = make_member(world.store)
    activity = drawn(world, "childcare", [guardian])
    kinds.childcare_group_add(
        actor=world.organiser, activity_id=activity.pk, name="幼儿班", min_age=3, max_age=6, capacity=1
    )
    kinds.childcare_group_add(
        actor=world.organiser, activity_id=activity.pk, name="小学班", min_age=7, max_age=12, capacity=30
    )
    client.force_login(guardian)
    home = reverse("events:kinds_childcare", args=[activity.pk])
    enrol = reverse("events:kinds_childcare_enrol", args=[activity.pk])
    assert 'data-testid="enrol-form"' in client.get(home).content.decode()
    bad = client.post(enrol, {"child_name": "小明", "child_age": 5, "guardian_phone": "1380000111"})
    assert bad.status_code == 422 and 'data-field="guardian_phone"' in bad.content.decode()
    wide = client.post(
        enrol, {"child_name": "小明", "child_age": 5, "guardian_phone": "１３８０００１１１１０"}
    )
    assert wide.status_code == 422  # full-width digits are not ASCII digits
    assert (
        client.post(
            enrol, {"child_name": "小明", "child_age": 5, "guardian_phone": "13800001111"}
        ).status_code
        == 302
    )
    full = client.post(enrol, {"child_name": "小红", "child_age": 4, "guardian_phone": "13800001111"})
    assert full.status_code == 409 and "名额已满" in full.content.decode()
    client.post(enrol, {"child_name": "小刚", "child_age": 9, "guardian_phone": "13900002222"})
    page = client.get(home).content.decode()
    assert "138****1111" in page and "13800001111" not in page and "小刚" in page

    roster = reverse("events:console_childcare", args=[activity.pk])
    client.force_login(world.jb_staff)
    assert client.get(roster).status_code == 404
    client.force_login(world.organiser)
    page = client.get(roster).content.decode()
    assert page.count('data-testid="roster-row"') == 2 and "13800001111" not in page
    assert AuditEvent.objects.filter(action="pii.view", object_id=str(activity.pk)).exists()
    ids = list(ChildEnrolment.objects.values_list("pk", flat=True))
    today = timeutil.local_today().isoformat()
    assert client.post(roster, {"day": today, "present": ids}).status_code == 302
    assert client.post(roster, {"day": today, "present": ids}).status_code == 302  # again: no doubles
    assert ChildAttendance.objects.count() == 2
    tomorrow = (timeutil.local_today() + dt.timedelta(days=1)).isoformat()
    assert client.post(roster, {"day": tomorrow, "present": ids[:1]}).status_code == 422
    assert client.post(roster, {"day": today, "present": [99999]}).status_code == 422
    assert 'data-testid="present-count">2<' in client.get(roster).content.decode()
    group = reverse("events:console_childcare_group", args=[activity.pk])
    overlap = client.post(group, {"name": "大班", "min_age": 5, "max_age": 8, "capacity": 5})
    assert overlap.status_code == 422 and "重叠" in overlap.content.decode()
    assert (
        client.post(group, {"name": "初中班", "min_age": 13, "max_age": 16, "capacity": 5}).status_code == 302
    )


@pytest.mark.parametrize("n", [3, 25])
def test_the_roster_keeps_a_flat_query_count(client: Any, world: World, n: int) -> None:
    guardians = [make_member(world.store)[0] for _ in range(n)]
    activity = drawn(world, "childcare", guardians)
    kinds.childcare_group_add(
        actor=world.organiser, activity_id=activity.pk, name="小学班", min_age=7, max_age=12, capacity=100
    )
    for i, g in enumerate(guardians):
        kinds.child_enrol(
            actor=g, activity_id=activity.pk, child_name=f"孩子{i}", child_age=8, guardian_phone="13800001111"
        )
    client.force_login(world.organiser)
    with assert_max_queries(16):
        page = client.get(reverse("events:console_childcare", args=[activity.pk])).content.decode()
    assert page.count('data-testid="roster-row"') == n


# --- 健身打卡 --------------------------------------------------------------------------------------


def test_fitness_check_in_shows_the_streak_and_a_masked_board(client: Any, world: World) -> None:
    a, pa = make_member(world.store)
    b, _ = make_member(world.store)
    activity = drawn(world, "fitness", [a, b])
    kinds.fitness_record(
        actor=b, activity_id=activity.pk, steps=20000, distance_m=15000,
        day=timeutil.local_today() - dt.timedelta(days=1),
    )  # fmt: skip
    client.force_login(a)
    home = reverse("events:kinds_fitness", args=[activity.pk])
    checkin = reverse("events:kinds_fitness_checkin", args=[activity.pk])
    assert 'data-testid="streak">0<' in client.get(home).content.decode()
    bad = client.post(checkin, {"steps": 500000, "distance_km": "1"})
    assert bad.status_code == 422 and 'data-field="steps"' in bad.content.decode()
    assert client.post(checkin, {"steps": 8000, "distance_km": "5.5"}).status_code == 302
    page = client.get(home).content.decode()
    assert 'data-testid="streak">1<' in page and 'data-testid="checked-today"' in page
    assert pa.name not in page  # the board masks names
    assert page.count('data-testid="board-row"') == 2
    outsider, _ = make_member(world.jiangbei)
    client.force_login(outsider)
    assert client.post(checkin, {"steps": 1, "distance_km": "0"}).status_code == 404
    assert 'data-testid="signup-first"' in client.get(home).content.decode()
