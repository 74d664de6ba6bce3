"""Honours journey at phone size: a grassroots union nominates, the district forwards, the city
approves and publishes the 公示, a worker reads it, and after the notice the city awards: the
worker sees the honour and the credit it earned."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.conf import settings as dj_settings
from django.test import Client
from django.utils.timezone import now
from playwright.sync_api import expect

from e2e.helpers import assert_page_healthy
from tests.helpers import UserFactory, grant, make_union
from yugong.honors import services
from yugong.honors.models import Nomination, Round
from yugong.honors.tests.conftest import honour_kind
from yugong.learning.models import CreditEntry
from yugong.members.models import Membership
from yugong.members.tests.factories import make_person

pytestmark = pytest.mark.django_db(transaction=True)


def sign_in(page: Any, live_server: Any, user: Any) -> None:
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [
            {
                "name": dj_settings.SESSION_COOKIE_NAME,
                "value": client.cookies[dj_settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )


def test_nominate_review_notice_award(phone_page: Any, live_server: Any) -> None:
    city = make_union(None, name="重庆市总工会")
    yuzhong = make_union(city, kind="district", name="渝中区总工会", district="渝中区")
    store = make_union(yuzhong, kind="grassroots", name="解放碑百货工会", district="渝中区")
    staff = {}
    for key, union in (("city", city), ("district", yuzhong), ("store", store)):
        staff[key] = UserFactory(display_name=f"{union.name}干部")
        grant(staff[key], union, "staff")
    worker = UserFactory(display_name="王师傅", phone="13800138000")
    person = make_person(name="王师傅", user=worker, employer_name="重庆解放碑百货有限公司")
    Membership.objects.create(person=person, union=store, status=Membership.Status.ACTIVE)
    rnd = services.round_create(
        actor=staff["city"],
        union=city,
        kind=honour_kind("city-may-day-medal"),
        year=2026,
        title="2026年重庆五一劳动奖章",
        deadline=now() + dt.timedelta(days=10),
    )
    services.quota_set(actor=staff["city"], round=rnd, union=yuzhong, places=2)

    page = phone_page
    # the grassroots union nominates its member
    sign_in(page, live_server, staff["store"])
    page.goto(f"{live_server.url}/honors/console/rounds/", timeout=30_000)
    page.get_by_test_id("honors-nominate").click()
    page.get_by_label("评选").select_option(str(rnd.pk))
    page.get_by_label("身份证号（推荐个人时填写）").fill(person.id_number)
    page.get_by_label("主要事迹").fill("扎根商场一线三十年，带徒一百余人。")
    page.get_by_role("button", name="提交").click()
    expect(page.get_by_test_id("nomination-status")).to_have_text("逐级审核中")
    assert_page_healthy(page)
    nomination = Nomination.objects.get()

    # the district reviews it from its queue and forwards it up
    sign_in(page, live_server, staff["district"])
    page.goto(f"{live_server.url}/honors/console/nominations/")
    page.get_by_test_id("queue-row").get_by_role("link", name="王师傅").click()
    form = page.get_by_test_id("review-form")
    form.get_by_label("通过", exact=True).check()
    form.get_by_label("审核意见").fill("事迹属实，同意上报")
    page.get_by_test_id("review-submit").click()
    expect(page.get_by_test_id("timeline")).to_contain_text("审核通过并上报")
    assert_page_healthy(page)

    # the city approves and publishes the 公示
    sign_in(page, live_server, staff["city"])
    page.goto(f"{live_server.url}/honors/console/nominations/{nomination.pk}/")
    page.get_by_test_id("review-form").get_by_label("通过", exact=True).check()
    page.get_by_test_id("review-submit").click()
    expect(page.get_by_test_id("nomination-status")).to_have_text("拟表彰")
    page.goto(f"{live_server.url}/honors/console/rounds/{rnd.pk}/")
    page.get_by_test_id("notice-publish").click()
    expect(page.get_by_test_id("round-status")).to_have_text("公示中")
    assert_page_healthy(page)

    # a worker reads the notice on the phone
    sign_in(page, live_server, worker)
    page.goto(f"{live_server.url}/honors/notice/")
    expect(page.get_by_test_id("notice-row")).to_contain_text("王师傅")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    assert_page_healthy(page)

    # the notice period is over: the city awards
    Round.objects.filter(pk=rnd.pk).update(notice_ends_at=now() - dt.timedelta(minutes=1))
    sign_in(page, live_server, staff["city"])
    page.goto(f"{live_server.url}/honors/console/rounds/{rnd.pk}/")
    page.get_by_test_id("round-award").click()
    expect(page.get_by_test_id("round-status")).to_have_text("已表彰")
    assert_page_healthy(page)

    sign_in(page, live_server, worker)
    page.goto(f"{live_server.url}/honors/")
    expect(page.get_by_test_id("honour-row")).to_contain_text("重庆五一劳动奖章")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    assert_page_healthy(page)
    assert CreditEntry.objects.filter(source="honour", account__person=person).count() == 1
