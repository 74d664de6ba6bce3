"""A worker signs up for an activity on the phone, wins the draw, and is checked in at the venue by
QR — the staff phone's camera reads the worker's code; a scan made while offline is queued on the
phone and synced later without a second check-in."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from playwright.sync_api import expect

from e2e.helpers import assert_page_healthy
from e2e.test_scan import _sign_in, camera_file, camera_page, write_qr_y4m  # noqa: F401 - the camera fixtures

SEED = "e2e-activity-seed"


@pytest.fixture
def activity_world(transactional_db: Any) -> dict[str, Any]:
    from tests.helpers import UserFactory, grant, make_union
    from yugong.core.timeutil import now
    from yugong.events import lottery
    from yugong.events.services import activity_create
    from yugong.members.models import Membership, Person

    city = make_union(None, name="重庆市总工会")
    store = make_union(city, kind="grassroots", name="解放碑百货工会")
    organiser = UserFactory(is_staff=True, display_name="市总干部")
    grant(organiser, city, "staff")
    worker = UserFactory(display_name="张师傅")
    person = Person.objects.create(name="张师傅", user=worker)
    Membership.objects.create(person=person, union=store, status="active")
    moment = now()
    activity = activity_create(
        actor=organiser,
        union_id=city.pk,
        title="职工文艺汇演",
        kind="culture",
        places=20,
        venue="重庆大剧院",
        starts_at=moment + dt.timedelta(hours=1),
        signup_opens_at=moment - dt.timedelta(days=1),
        signup_closes_at=moment + dt.timedelta(days=1),
        seed_hash=lottery.commitment(SEED),
    )
    return {"activity": activity, "worker": worker, "organiser": organiser}


def test_worker_signs_up_wins_and_is_checked_in_by_qr_even_offline(
    phone_page: Any, live_server: Any, activity_world: dict[str, Any], request: Any
) -> None:
    from yugong.core.timeutil import now
    from yugong.events.attendance import checkin_token
    from yugong.events.models import Activity, SignUp
    from yugong.events.models_kinds import CheckinScan
    from yugong.events.services import activity_draw

    activity = activity_world["activity"]
    page = phone_page
    _sign_in(page, live_server, activity_world["worker"])
    page.goto(f"/activities/{activity.pk}/")
    page.get_by_test_id("signup").tap()
    expect(page).to_have_url(re.compile(r"/activities/mine/$"))
    expect(page.get_by_test_id("signup-status")).to_have_text("已报名")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390

    # Sign-up closes; the organiser reveals the seed and draws.
    Activity.objects.filter(pk=activity.pk).update(signup_closes_at=now() - dt.timedelta(minutes=1))
    activity_draw(actor=activity_world["organiser"], activity_id=activity.pk, seed=SEED)
    page.reload()
    expect(page.get_by_test_id("signup-status")).to_have_text("中签")
    expect(page.get_by_test_id("checkin-qr")).to_be_visible()
    page.screenshot(path="test-results/events-mine-390.png", full_page=True)
    assert_page_healthy(page)

    # The public draw: the worker's own result, any number looked up, no sideways scrolling for
    # the 64-character commitment on a phone.
    number = SignUp.objects.get(activity=activity).pk
    page.goto(f"/activities/{activity.pk}/lottery/")
    expect(page.get_by_test_id("my-draw")).to_contain_text(f"报名编号 {number}")
    expect(page.get_by_test_id("seed-hash")).to_have_text(activity.seed_hash)
    page.get_by_placeholder("输入报名编号查询").fill(str(number))
    page.get_by_role("button", name="查询").tap()
    expect(page.get_by_test_id("lookup-result")).to_contain_text("中签")
    expect(page.get_by_test_id("lookup-result")).not_to_contain_text("未中签")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    page.screenshot(path="test-results/events-lottery-390.png", full_page=True)
    page.goto("/activities/mine/")

    # At the venue: the staff phone's camera reads the worker's code.
    signup = SignUp.objects.get(activity=activity)
    token = checkin_token(signup)
    write_qr_y4m(request.getfixturevalue("camera_file"), token)
    staff = request.getfixturevalue("camera_page")
    _sign_in(staff, live_server, activity_world["organiser"])
    staff.goto(f"/activities/console/{activity.pk}/checkin/")
    staff.get_by_test_id("scan-start").tap()
    results = staff.get_by_test_id("queue-results")
    expect(results.locator("li").first).to_contain_text("签到成功")
    signup.refresh_from_db()
    assert signup.checked_in_at is not None

    # The network drops: a scan is kept on the phone, then synced when it is back.
    staff.context.set_offline(True)
    staff.get_by_label("签到码").fill(token)
    staff.get_by_test_id("checkin-submit").tap()
    expect(staff.get_by_test_id("queue-status")).to_contain_text("1 条扫码记录待同步")
    assert CheckinScan.objects.count() == 1
    staff.context.set_offline(False)
    staff.evaluate("() => window.dispatchEvent(new Event('online'))")
    expect(staff.get_by_test_id("queue-status")).to_have_text("")
    expect(results.locator("li").first).to_contain_text("已签到过")
    assert CheckinScan.objects.count() == 2
    assert SignUp.objects.filter(activity=activity, checked_in_at__isnull=False).count() == 1
    staff.screenshot(path="test-results/events-checkin-390.png", full_page=True)
    assert staff.evaluate("() => document.documentElement.scrollWidth") <= 390
    assert_page_healthy(staff)
