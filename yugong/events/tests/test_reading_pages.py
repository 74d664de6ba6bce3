"""The reading campaign's and the photos' pages and API through the test client: a worker logs
reading and writes an essay, staff curate the list and publish the essay, it shows to the audience;
photos uploaded, reviewed, shown on the activity page and taken down; query counts stay flat."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client

from tests.helpers import UserFactory, assert_max_queries
from yugong.core import timeutil
from yugong.events import kinds, photos, reading
from yugong.events.models import Activity, SignUp
from yugong.events.models_kinds import ActivityPhoto, PhotoTakedown, ReadingBook, ReadingLog, Work
from yugong.events.services import signup_create

from .conftest import World, make_activity, make_member
from .test_reading import ESSAY, ISBN_1, ISBN_2, png

pytestmark = pytest.mark.django_db
API = "/api/v1/activities"


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path)


def campaign(world: World) -> Activity:
    activity = make_activity(world, kind="reading", title="玫瑰书香读书月", places=500)
    reading.book_add(
        actor=world.organiser, activity_id=activity.pk, title="红楼梦", author="曹雪芹", isbn=ISBN_1
    )
    return activity


def joined(world: World, activity: Activity, client: Client) -> Any:
    user, _ = make_member(world.store)
    signup_create(actor=user, activity_id=activity.pk)
    client.force_login(user)
    return user


def test_worker_logs_reading_and_writes_an_essay_that_staff_publish(world: World, client: Client) -> None:
    activity = campaign(world)
    book = activity.books.get()
    user = joined(world, activity, client)
    page = client.get(f"/activities/{activity.pk}/reading/")
    assert (
        page.status_code == 200
        and "红楼梦" in page.content.decode()
        and 'data-testid="log-form"' in page.content.decode()
    )
    today = timeutil.local_today().isoformat()
    bad = client.post(
        f"/activities/{activity.pk}/reading/log/", {"book": book.pk, "day": today, "minutes": 5, "pages": 300}
    )
    assert bad.status_code == 422 and "不太可能" in bad.content.decode() and ReadingLog.objects.count() == 0
    ok = client.post(
        f"/activities/{activity.pk}/reading/log/", {"book": book.pk, "day": today, "minutes": 45, "pages": 30}
    )
    assert ok.status_code == 302 and ReadingLog.objects.get().minutes == 45
    r = client.post(f"/activities/{activity.pk}/reading/essays/new/", {"title": "读红楼梦", "body": "太短了"})
    assert r.status_code == 422 and "至少" in r.content.decode()
    r = client.post(
        f"/activities/{activity.pk}/reading/essays/new/",
        {"title": "读红楼梦", "body": ESSAY, "book": book.pk},
    )
    essay = Work.objects.get(kind="essay")
    assert r.status_code == 302 and r["Location"].endswith(f"/reading/essays/{essay.pk}/")
    assert "等待工会审核" in client.get(r["Location"]).content.decode()

    neighbour, _ = make_member(world.store)
    reader = Client()
    reader.force_login(neighbour)
    assert reader.get(f"/activities/{activity.pk}/reading/essays/{essay.pk}/").status_code == 404

    staff = Client()
    staff.force_login(world.organiser)
    queue = staff.get(f"/activities/console/{activity.pk}/reading/essays/")
    assert queue.status_code == 200 and "读红楼梦" in queue.content.decode()
    r = staff.post(f"/activities/console/{activity.pk}/reading/essays/", {"item": essay.pk, "publish": "0"})
    assert r.status_code == 302
    essay.refresh_from_db()
    assert essay.status == Work.Status.PENDING  # a rejection needs a note: nothing changed
    staff.post(f"/activities/console/{activity.pk}/reading/essays/", {"item": essay.pk, "publish": "1"})
    essay.refresh_from_db()
    assert essay.status == Work.Status.PUBLISHED

    listing = reader.get(f"/activities/{activity.pk}/reading/essays/")
    assert listing.status_code == 200 and "读红楼梦" in listing.content.decode()
    assert ESSAY[:20] in reader.get(f"/activities/{activity.pk}/reading/essays/{essay.pk}/").content.decode()
    stranger = Client()
    stranger.force_login(UserFactory())
    assert stranger.get(f"/activities/{activity.pk}/reading/essays/").status_code == 403
    board = client.get(f"/activities/{activity.pk}/reading/board/")
    assert board.status_code == 200 and 'data-testid="board-me"' in board.content.decode()
    assert user.pk


def test_staff_curate_books_on_the_console(world: World, client: Client) -> None:
    activity = campaign(world)
    client.force_login(world.organiser)
    page = client.get(f"/activities/console/{activity.pk}/reading/")
    assert page.status_code == 200 and "红楼梦" in page.content.decode()
    r = client.post(
        f"/activities/console/{activity.pk}/reading/",
        {"title": "平凡的世界", "author": "路遥", "isbn": "9787544253995", "page_count": ""},
    )
    assert r.status_code == 422 and "校验位" in r.content.decode()
    r = client.post(
        f"/activities/console/{activity.pk}/reading/",
        {"title": "平凡的世界", "author": "路遥", "isbn": ISBN_2, "cover": png()},
    )
    assert r.status_code == 302
    book = ReadingBook.objects.get(isbn=ISBN_2)
    assert book.cover
    r = client.post(
        f"/activities/console/{activity.pk}/reading/books/{book.pk}/",
        {"title": "平凡的世界（全三册）", "author": "路遥", "isbn": ISBN_2, "page_count": "1200"},
    )
    book.refresh_from_db()
    assert r.status_code == 302 and book.page_count == 1200 and book.cover  # the cover kept
    r = client.post(f"/activities/console/{activity.pk}/reading/books/{book.pk}/remove/")
    assert r.status_code == 302 and not ReadingBook.objects.filter(pk=book.pk).exists()
    sports = make_activity(world, kind="sports")
    assert client.get(f"/activities/console/{sports.pk}/reading/").status_code == 404


def test_reading_api(world: World, client: Client) -> None:
    activity = campaign(world)
    book = activity.books.get()
    joined(world, activity, client)
    books = client.get(f"{API}/{activity.pk}/reading/books")
    assert books.status_code == 200 and books.json()[0]["isbn"] == "9787020002207"

    def post(path: str, body: dict[str, Any]) -> Any:
        return client.post(f"{API}/{activity.pk}{path}", json.dumps(body), content_type="application/json")

    r = post("/reading/logs", {"book_id": book.pk, "minutes": 30, "pages": 12})
    assert r.status_code == 200 and r.json()["created"] is True
    r = post(
        "/reading/logs",
        {"book_id": book.pk, "minutes": 40, "pages": 12, "day": timeutil.local_today().isoformat()},
    )
    assert r.json()["created"] is False and r.json()["minutes"] == 40
    r = post("/reading/logs", {"book_id": book.pk, "minutes": 30, "day": "2026-13-01"})
    assert r.status_code == 422 and "day" in r.json()["fields"]
    r = post("/reading/logs", {"book_id": book.pk, "minutes": 9999})
    assert r.status_code == 422
    r = post("/reading/essays", {"title": "读后感", "body": ESSAY, "book_id": book.pk})
    assert r.status_code == 201 and r.json()["status"] == "pending"
    assert client.get(f"{API}/{activity.pk}/reading/essays").json() == []
    kinds.work_review(actor=world.organiser, work_id=r.json()["id"], publish=True)
    essays = client.get(f"{API}/{activity.pk}/reading/essays").json()
    assert [e["title"] for e in essays] == ["读后感"] and "*" in essays[0]["author"]
    board = client.get(f"{API}/{activity.pk}/reading/board").json()
    assert board["minutes"] == 40 and board["essays"] == 1 and board["rows"][0]["minutes"] == 40
    outsider = Client()
    outsider.force_login(make_member(world.store)[0])
    r = outsider.post(
        f"{API}/{activity.pk}/reading/logs",
        json.dumps({"book_id": book.pk, "minutes": 30}),
        content_type="application/json",
    )
    assert r.status_code == 404


def _photo_day(world: World) -> tuple[Activity, Any]:
    activity = make_activity(
        world, kind="culture", places=5, starts_at=timeutil.now() - dt.timedelta(hours=1)
    )
    user, _ = make_member(world.store)
    signup_create(actor=user, activity_id=activity.pk)
    SignUp.objects.filter(activity=activity).update(status=SignUp.Status.WON)
    Activity.objects.filter(pk=activity.pk).update(status=Activity.Status.DRAWN)
    activity.refresh_from_db()
    return activity, user


def test_photos_upload_review_show_and_takedown(world: World, client: Client) -> None:
    activity, user = _photo_day(world)
    client.force_login(user)
    page = client.get(f"/activities/{activity.pk}/photos/")
    assert 'data-testid="photo-form"' in page.content.decode()
    r = client.post(f"/activities/{activity.pk}/photos/", {"image": png(), "caption": "大合唱"})
    assert r.status_code == 422 and "同意" in r.content.decode() and not ActivityPhoto.objects.exists()
    r = client.post(
        f"/activities/{activity.pk}/photos/", {"image": png(), "caption": "大合唱", "consent": "1"}
    )
    assert r.status_code == 302
    photo = ActivityPhoto.objects.get()
    assert "大合唱" not in Client().get(f"/activities/{activity.pk}/").content.decode()  # not before review

    staff = Client()
    staff.force_login(world.organiser)
    assert "大合唱" in staff.get(f"/activities/console/{activity.pk}/photos/").content.decode()
    staff.post(f"/activities/console/{activity.pk}/photos/review/", {"item": photo.pk, "publish": "1"})
    detail = Client().get(f"/activities/{activity.pk}/")
    assert 'data-testid="photo-strip"' in detail.content.decode() and photo.picture in detail.content.decode()

    stranger = Client()  # not there: the request waits for staff, the photo stays shown
    stranger.force_login(make_member(world.jiangbei)[0])
    r = stranger.post(
        f"/activities/{activity.pk}/photos/{photo.pk}/takedown/", {"reason": "我不喜欢这张照片"}, follow=True
    )
    assert "工作人员核实后会尽快处理" in r.content.decode()
    assert photo.picture in Client().get(f"/activities/{activity.pk}/").content.decode()
    console = staff.get(f"/activities/console/{activity.pk}/photos/").content.decode()
    assert 'data-testid="takedown-shown"' in console

    shown = Client()  # there (a place in the activity): hidden at once
    shown_user, shown_person = make_member(world.store)
    SignUp.objects.create(activity=activity, person=shown_person, union=world.store, status=SignUp.Status.WON)
    shown.force_login(shown_user)
    r = shown.post(
        f"/activities/{activity.pk}/photos/{photo.pk}/takedown/", {"reason": "照片里有我，不同意公开"}
    )
    assert r.status_code == 302 and PhotoTakedown.objects.filter(status="open").count() == 2
    assert (
        photo.picture not in Client().get(f"/activities/{activity.pk}/").content.decode()
    )  # hidden meanwhile
    takedown = PhotoTakedown.objects.get(requested_by=shown_user)
    staff.post(f"/activities/console/{activity.pk}/photos/takedown/", {"item": takedown.pk, "remove": "1"})
    photo.refresh_from_db()
    assert photo.status == ActivityPhoto.Status.REMOVED


def test_photos_api(world: World, client: Client) -> None:
    activity, user = _photo_day(world)
    client.force_login(user)
    r = client.post(f"{API}/{activity.pk}/photos", {"image": png(), "consent": "true", "caption": "签到处"})
    assert r.status_code == 201 and r.json()["status"] == "pending"
    bad = client.post(f"{API}/{activity.pk}/photos", {"image": png(), "consent": "false"})
    assert bad.status_code == 422 and "consent" in bad.json()["fields"]
    staff = Client()
    staff.force_login(world.organiser)
    r = staff.post(
        f"{API}/photos/{r.json()['id']}/review",
        json.dumps({"publish": True}),
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["status"] == "published"
    assert [p["caption"] for p in client.get(f"{API}/{activity.pk}/photos").json()] == ["签到处"]
    r = client.post(
        f"{API}/photos/{r.json()['id']}/takedown",
        json.dumps({"reason": "照片中有我"}),
        content_type="application/json",
    )
    assert r.status_code == 201
    r = staff.post(
        f"{API}/photo-takedowns/{r.json()['id']}/handle",
        json.dumps({"remove": False, "note": "经核实照片中没有申请人"}),
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["status"] == "kept"


def test_worker_is_refused_the_console_pages(world: World, client: Client) -> None:
    activity = campaign(world)
    joined(world, activity, client)
    for path in ("reading/", "reading/essays/", "photos/"):
        assert client.get(f"/activities/console/{activity.pk}/{path}").status_code == 403


@pytest.mark.parametrize("n", [3, 30])
def test_page_queries_stay_flat(world: World, client: Client, n: int) -> None:
    activity = campaign(world)
    book = activity.books.get()
    for i in range(1, 4):
        reading.book_add(
            actor=world.organiser,
            activity_id=activity.pk,
            title=f"书{i}",
            author="某",
            isbn=["9780306406157", ISBN_2, "9780804429573"][i - 1],
        )
    users = []
    for _ in range(n):
        u, _p = make_member(world.store)
        signup_create(actor=u, activity_id=activity.pk)
        reading.reading_log_record(actor=u, activity_id=activity.pk, book_id=book.pk, minutes=20, pages=10)
        e = reading.essay_submit(actor=u, activity_id=activity.pk, title="感想", body=ESSAY)
        if len(users) % 2:
            kinds.work_review(actor=world.organiser, work_id=e.pk, publish=True)
        users.append(u)
    ActivityPhoto.objects.bulk_create(
        ActivityPhoto(activity=activity, uploaded_by=users[0], picture=f"p{i}.jpg", consent=True, status=s)
        for i in range(n)
        for s in ("published", "pending")
    )
    client.force_login(users[0])
    # (session, user, ... the page's own): the same bound for 3 and for 30 of everything
    for path, bound in (
        ("reading/", 13),
        ("reading/board/", 8),
        ("reading/essays/", 4),
        ("photos/", 4),
        ("", 4),
    ):
        with assert_max_queries(bound):
            assert client.get(f"/activities/{activity.pk}/{path}").status_code == 200
    client.force_login(world.organiser)
    for path, bound in (("reading/", 10), ("reading/essays/", 6), ("photos/", 8)):
        with assert_max_queries(bound):
            assert client.get(f"/activities/console/{activity.pk}/{path}").status_code == 200
    assert photos.published_photos(activity).count() == n
