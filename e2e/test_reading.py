"""玫瑰书香 on a phone (390×844): a worker opens the reading campaign from the activity page, logs
a day's reading, writes an essay; the organiser publishes it from the review queue; another member
reads it. Then photos of the day: the worker uploads one confirming consent, staff publish it, it
shows on the activity page. Every page is screenshotted under test-results/."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from e2e.helpers import assert_page_healthy
from e2e.test_scan import _sign_in

SEED = "e2e-reading-seed"
ESSAY = (
    "读完《红岩》，我想起了歌乐山下的那些石墙。书里的人在最难的时候也没有放弃信念，"
    "我们今天在岗位上遇到的困难，和他们比起来算不了什么。感谢工会组织这次读书月活动。"
)
SHOTS = Path("test-results")


def _fits(page: Any) -> None:
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390


def _shot(page: Any, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"reading-{name}-390.png"), full_page=True)


@pytest.fixture
def reading_world(transactional_db: Any, settings: Any, tmp_path: Any) -> dict[str, Any]:
    from tests.helpers import UserFactory, grant, make_union
    from yugong.core.timeutil import now
    from yugong.events import lottery, reading
    from yugong.events.services import activity_create, signup_create
    from yugong.members.models import Membership, Person

    settings.MEDIA_ROOT = str(tmp_path)
    city = make_union(None, name="重庆市总工会")
    store = make_union(city, kind="grassroots", name="解放碑百货工会")
    organiser = UserFactory(is_staff=True, display_name="市总干部")
    grant(organiser, city, "staff")
    people = {}
    for name in ("张师傅", "李姐"):
        user = UserFactory(display_name=name)
        Membership.objects.create(
            person=Person.objects.create(name=name, user=user), union=store, status="active"
        )
        people[name] = user
    moment = now()
    activity = activity_create(
        actor=organiser,
        union_id=city.pk,
        title="“玫瑰书香”职工读书月",
        kind="reading",
        places=1000,
        description="读一本好书，记录每天的阅读，写下读后感。",
        venue="线上",
        starts_at=moment - dt.timedelta(hours=2),
        signup_opens_at=moment - dt.timedelta(days=3),
        signup_closes_at=moment + dt.timedelta(days=20),
        seed_hash=lottery.commitment(SEED),
    )
    for title, author, isbn in (
        ("红岩", "罗广斌 杨益言", "9787020081271"),
        ("平凡的世界", "路遥", "9787530212202"),
    ):
        reading.book_add(actor=organiser, activity_id=activity.pk, title=title, author=author, isbn=isbn)
    signup_create(actor=people["张师傅"], activity_id=activity.pk)
    return {
        "activity": activity,
        "worker": people["张师傅"],
        "reader": people["李姐"],
        "organiser": organiser,
    }


def _png() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (800, 600), (183, 28, 28)).save(buf, "PNG")
    return buf.getvalue()


def test_worker_logs_reading_writes_an_essay_staff_publish_it_shows(
    phone_page: Any, browser: Any, live_server: Any, reading_world: dict[str, Any]
) -> None:
    from yugong.events.models import Activity, SignUp
    from yugong.events.models_kinds import ActivityPhoto, ReadingLog, Work

    activity = reading_world["activity"]
    page = phone_page
    _sign_in(page, live_server, reading_world["worker"])
    page.goto(f"/activities/{activity.pk}/")
    page.get_by_test_id("reading-link").tap()
    expect(page).to_have_url(re.compile(rf"/activities/{activity.pk}/reading/$"))
    expect(page.get_by_test_id("book-list")).to_contain_text("红岩")

    # An absurd entry is refused with the field named; a plausible one is logged.
    page.get_by_label("图书").select_option(label="红岩")
    page.get_by_label("阅读时长（分钟）").fill("5")
    page.get_by_label("阅读页数").fill("200")
    page.get_by_test_id("log-submit").tap()
    expect(page.locator('[data-field="pages"]')).to_contain_text("不太可能")
    page.get_by_label("阅读时长（分钟）").fill("45")
    page.get_by_label("阅读页数").fill("38")
    page.get_by_test_id("log-submit").tap()
    expect(page.get_by_test_id("my-minutes")).to_have_text("45")
    assert ReadingLog.objects.get().pages == 38
    _fits(page)
    _shot(page, "campaign")
    assert_page_healthy(page)

    page.get_by_test_id("essay-new").tap()
    page.get_by_label("读的是哪本书").select_option(label="红岩")
    page.get_by_label("题目").fill("重读《红岩》")
    page.get_by_label("正文").fill(ESSAY)
    _fits(page)
    _shot(page, "essay-new")
    page.get_by_test_id("essay-submit").tap()
    expect(page.get_by_test_id("essay-state")).to_contain_text("等待工会审核")
    _shot(page, "essay-pending")
    essay = Work.objects.get(kind="essay")

    # The organiser publishes it from the review queue (desk browser).
    desk = browser.new_context(
        base_url=live_server.url, viewport={"width": 1366, "height": 900}, locale="zh-CN"
    )
    staff = desk.new_page()
    _sign_in(staff, live_server, reading_world["organiser"])
    staff.goto(f"/activities/console/{activity.pk}/reading/")
    staff.get_by_test_id("essays-queue-link").click()
    expect(staff.get_by_test_id("essay-review")).to_contain_text("重读《红岩》")
    staff.screenshot(path=str(SHOTS / "reading-console-essays.png"), full_page=True)
    staff.get_by_test_id("essay-publish").click()
    expect(staff.get_by_test_id("essays-empty")).to_be_visible()
    essay.refresh_from_db()
    assert essay.status == Work.Status.PUBLISHED

    # Another member of the campaign's audience reads it; the board shows the worker.
    reader = browser.new_context(
        base_url=live_server.url, viewport={"width": 390, "height": 844}, locale="zh-CN"
    )
    other = reader.new_page()
    _sign_in(other, live_server, reading_world["reader"])
    other.goto(f"/activities/{activity.pk}/reading/")
    other.get_by_test_id("essays-link").click()
    expect(other.get_by_test_id("essay")).to_contain_text("重读《红岩》")
    other.get_by_test_id("essay").click()
    expect(other.get_by_test_id("essay-body")).to_contain_text("歌乐山")
    assert other.evaluate("() => document.documentElement.scrollWidth") <= 390
    other.screenshot(path=str(SHOTS / "reading-essay-390.png"), full_page=True)
    page.goto(f"/activities/{activity.pk}/reading/board/")
    expect(page.get_by_test_id("board-me")).to_contain_text("45")
    _fits(page)
    _shot(page, "board")
    assert_page_healthy(page)

    # Photos of the day: the worker holds a place, uploads one confirming consent; staff publish it.
    SignUp.objects.filter(activity=activity).update(status=SignUp.Status.WON)
    Activity.objects.filter(pk=activity.pk).update(status=Activity.Status.DRAWN)
    page.goto(f"/activities/{activity.pk}/photos/")
    page.get_by_label("现场照片").set_input_files(
        {"name": "合唱.png", "mimeType": "image/png", "buffer": _png()}
    )
    page.get_by_label("说明（可选）").fill("读书分享会")
    page.get_by_test_id("photo-submit").tap()
    expect(page.locator('[data-field="consent"]')).to_be_visible()  # consent first
    page.get_by_label("现场照片").set_input_files(
        {"name": "合唱.png", "mimeType": "image/png", "buffer": _png()}
    )
    page.get_by_test_id("photo-consent").check()
    page.get_by_test_id("photo-submit").tap()
    expect(page.get_by_test_id("my-photos")).to_contain_text("待审核")
    _fits(page)
    _shot(page, "photos")
    staff.goto(f"/activities/console/{activity.pk}/photos/")
    staff.get_by_test_id("photo-publish").click()
    assert ActivityPhoto.objects.get().status == "published"
    page.goto(f"/activities/{activity.pk}/")
    expect(page.get_by_test_id("photo-strip").locator("img")).to_have_count(1)
    _fits(page)
    _shot(page, "activity")
    assert_page_healthy(page)
    desk.close()
    reader.close()


def test_every_reading_and_photo_page_at_phone_size(
    phone_page: Any, browser: Any, live_server: Any, reading_world: dict[str, Any]
) -> None:
    """Each page of the campaign and the photos, worker's and staff's, at 390×844 with data in it:
    no sideways scrolling, no failed asset, a screenshot to look at."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from yugong.core.timeutil import local_today
    from yugong.events import kinds, photos, reading
    from yugong.events.models import Activity, SignUp

    activity, worker, organiser = (reading_world[k] for k in ("activity", "worker", "organiser"))
    books = list(activity.books.all())
    for days_ago, book, minutes in ((2, 0, 40), (1, 1, 55), (0, 0, 30)):
        reading.reading_log_record(
            actor=worker,
            activity_id=activity.pk,
            book_id=books[book].pk,
            minutes=minutes,
            pages=minutes // 2,
            day=local_today() - dt.timedelta(days=days_ago),
        )
    published = reading.essay_submit(
        actor=worker, activity_id=activity.pk, title="重读《红岩》", body=ESSAY, book_id=books[0].pk
    )
    kinds.work_review(actor=organiser, work_id=published.pk, publish=True)
    rejected = reading.essay_submit(actor=worker, activity_id=activity.pk, title="随便写写", body=ESSAY)
    kinds.work_review(actor=organiser, work_id=rejected.pk, publish=False, note="请围绕书单中的图书来写")
    reading.essay_submit(
        actor=worker, activity_id=activity.pk, title="平凡中的不平凡", body=ESSAY * 2, book_id=books[1].pk
    )
    SignUp.objects.filter(activity=activity).update(status=SignUp.Status.WON)
    Activity.objects.filter(pk=activity.pk).update(status=Activity.Status.DRAWN)
    shots = []
    for i, caption in enumerate(("读书分享会", "书屋一角", "合影")):
        p = photos.photo_upload(
            actor=worker,
            activity_id=activity.pk,
            image=SimpleUploadedFile("p.png", _png(), content_type="image/png"),
            caption=caption,
            consent=True,
        )
        if i < 2:
            photos.photo_review(actor=organiser, photo_id=p.pk, publish=True)
        shots.append(p)
    photos.photo_takedown_ask(
        actor=reading_world["reader"], photo_id=shots[1].pk, reason="照片里有我，我不同意公开"
    )

    page = phone_page
    _sign_in(page, live_server, worker)
    for name, path in (
        ("w-campaign", f"/activities/{activity.pk}/reading/"),
        ("w-board", f"/activities/{activity.pk}/reading/board/"),
        ("w-essays", f"/activities/{activity.pk}/reading/essays/"),
        ("w-essay", f"/activities/{activity.pk}/reading/essays/{published.pk}/"),
        ("w-essay-rejected", f"/activities/{activity.pk}/reading/essays/{rejected.pk}/"),
        ("w-photos", f"/activities/{activity.pk}/photos/"),
        ("w-takedown", f"/activities/{activity.pk}/photos/{shots[0].pk}/takedown/"),
        ("w-activity", f"/activities/{activity.pk}/"),
    ):
        page.goto(path)
        _fits(page)
        _shot(page, name)
        assert_page_healthy(page)

    other = browser.new_context(
        base_url=live_server.url, viewport={"width": 390, "height": 844}, locale="zh-CN"
    )
    newcomer = other.new_page()
    _sign_in(newcomer, live_server, reading_world["reader"])
    newcomer.goto(f"/activities/{activity.pk}/reading/")
    expect(newcomer.get_by_test_id("not-joined")).to_be_visible()
    assert newcomer.evaluate("() => document.documentElement.scrollWidth") <= 390
    newcomer.screenshot(path=str(SHOTS / "reading-w-not-joined-390.png"), full_page=True)
    other.close()

    staff_ctx = browser.new_context(
        base_url=live_server.url, viewport={"width": 390, "height": 844}, locale="zh-CN"
    )
    staff = staff_ctx.new_page()
    _sign_in(staff, live_server, organiser)
    for name, path in (
        ("s-books", f"/activities/console/{activity.pk}/reading/"),
        ("s-book", f"/activities/console/{activity.pk}/reading/books/{books[0].pk}/"),
        ("s-essays", f"/activities/console/{activity.pk}/reading/essays/"),
        ("s-photos", f"/activities/console/{activity.pk}/photos/"),
        ("s-detail", f"/activities/console/{activity.pk}/"),
    ):
        staff.goto(path)
        staff.screenshot(path=str(SHOTS / f"reading-{name}-390.png"), full_page=True)
        assert staff.evaluate("() => document.documentElement.scrollWidth") <= 390, name
    staff_ctx.close()
