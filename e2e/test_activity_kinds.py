"""A photo contest on the phone (390×844): a worker submits a photo, the organiser approves it in
the console's review queue, another worker votes for it in the gallery, and the count shows — with
what is left of today's vote."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from e2e.helpers import assert_page_healthy
from e2e.test_scan import _sign_in

SEED = "e2e-contest-seed"
SHOTS = Path(__file__).resolve().parent.parent / "test-results"


@pytest.fixture
def contest_world(transactional_db: Any, settings: Any, tmp_path: Path) -> dict[str, Any]:
    from tests.helpers import UserFactory, grant, make_union
    from yugong.core.timeutil import now
    from yugong.events import lottery
    from yugong.events.services import activity_create, signup_create
    from yugong.members.models import Membership, Person

    settings.MEDIA_ROOT = str(tmp_path)
    settings.ROOT_URLCONF = "e2e.media_urls"  # the live server shows the uploaded picture
    city = make_union(None, name="重庆市总工会")
    store = make_union(city, kind="grassroots", name="解放碑百货工会")
    organiser = UserFactory(is_staff=True, display_name="市总干部")
    grant(organiser, city, "staff")
    people = {}
    for key, name in (("author", "张师傅"), ("voter", "李阿姨")):
        user = UserFactory(display_name=name, date_joined=now() - dt.timedelta(days=120))
        person = Person.objects.create(name=name, user=user)
        Membership.objects.create(person=person, union=store, status="active")
        people[key] = user
    moment = now()
    activity = activity_create(
        actor=organiser,
        union_id=city.pk,
        title="“劳动者之美”职工摄影大赛",
        kind="contest",
        places=50,
        venue="线上",
        signup_opens_at=moment - dt.timedelta(days=1),
        signup_closes_at=moment + dt.timedelta(days=7),
        seed_hash=lottery.commitment(SEED),
    )
    signup_create(actor=people["author"], activity_id=activity.pk)
    return {"activity": activity, "organiser": organiser, **people}


def _photo(path: Path) -> Path:
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (1200, 900), (40, 90, 150))
    draw = ImageDraw.Draw(img)
    for y in range(900):
        draw.line([(0, y), (1200, y)], fill=(40 + y // 8, 90 + y // 12, 150 - y // 10))
    draw.rectangle([200, 420, 420, 900], fill=(30, 35, 50))
    draw.rectangle([520, 300, 700, 900], fill=(45, 50, 70))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=85)
    path.write_bytes(buf.getvalue())
    return path


def test_a_photo_is_submitted_approved_and_voted_for_on_the_phone(
    phone_page: Any, browser: Any, live_server: Any, contest_world: dict[str, Any], tmp_path: Path
) -> None:
    from e2e.conftest import DESK
    from yugong.events.models_kinds import Work

    activity = contest_world["activity"]
    page = phone_page
    SHOTS.mkdir(exist_ok=True)

    # The author submits a photo on the phone and sees it waiting for review.
    _sign_in(page, live_server, contest_world["author"])
    page.goto(f"/activities/{activity.pk}/works/new/")
    page.get_by_label("作品名称").fill("凌晨四点的菜市场")
    page.locator("input[name=picture]").set_input_files(str(_photo(tmp_path / "market.jpg")))
    expect(page.locator("[data-file-name=picture]")).to_have_text("market.jpg")
    page.get_by_test_id("submit-work").tap()
    expect(page.get_by_test_id("work-status")).to_have_text("待审核")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(SHOTS / "kinds-my-works-390.png"), full_page=True)
    assert_page_healthy(page)

    # The organiser approves it in the console's review queue (a desk browser).
    desk = browser.new_context(base_url=live_server.url, **DESK)
    staff = desk.new_page()
    _sign_in(staff, live_server, contest_world["organiser"])
    staff.goto("/activities/console/works/")
    item = staff.get_by_test_id("review-work").filter(has_text="凌晨四点的菜市场")
    expect(item.get_by_test_id("work-picture")).to_be_visible()
    item.get_by_test_id("approve").click()
    expect(staff.get_by_test_id("queue-empty")).to_be_visible()
    desk.close()
    assert Work.objects.get().status == Work.Status.PUBLISHED

    # Another worker votes for it in the gallery; the count and today's vote show.
    voter = page  # the same phone, another worker signed in
    voter.context.clear_cookies()
    _sign_in(voter, live_server, contest_world["voter"])
    voter.goto(f"/activities/{activity.pk}/works/")
    expect(voter.get_by_test_id("votes-left")).to_have_text("1")
    work = voter.get_by_test_id("work").filter(has_text="凌晨四点的菜市场")
    expect(work.get_by_test_id("work-votes")).to_have_text("0")
    expect(work.get_by_test_id("work-picture")).to_be_visible()
    work.get_by_test_id("vote").tap()
    expect(work.get_by_test_id("work-votes")).to_have_text("1")
    expect(voter.get_by_test_id("votes-left")).to_have_text("0")
    expect(voter.get_by_test_id("voted-for")).to_contain_text("凌晨四点的菜市场")
    expect(work.get_by_test_id("vote")).to_have_count(0)  # one vote a day: no second button
    assert voter.evaluate("() => document.documentElement.scrollWidth") <= 390
    voter.screenshot(path=str(SHOTS / "kinds-gallery-390.png"), full_page=True)
    assert_page_healthy(voter)
    assert Work.objects.get().votes == 1
