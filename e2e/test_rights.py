"""Rights journeys in the browser: a worker files an appeal on a phone and follows it to the
rating; a hotline operator takes a call (the caller's earlier appeal shows at once), routes it, and
the grassroots union transfers it up."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.conf import settings as dj_settings
from django.test import Client
from playwright.sync_api import expect

from e2e.helpers import assert_page_healthy
from tests.helpers import UserFactory, grant, make_union
from yugong.orgs.models import Employer
from yugong.rights import services
from yugong.rights.models import Appeal

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _sms(settings: Any, tmp_path: Any) -> None:
    settings.SMS_BACKEND = "locmem"
    settings.MEDIA_ROOT = str(tmp_path)


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


@pytest.fixture
def city_tree() -> dict[str, Any]:
    city = make_union(None, name="重庆市总工会")
    yuzhong = make_union(city, kind="district", name="渝中区总工会", district="渝中区")
    store = make_union(yuzhong, kind="grassroots", name="解放碑百货工会", district="渝中区")
    employer = Employer.objects.create(
        name="重庆解放碑百货有限公司", uscc="91500000MA5U00010X", district="渝中区", union=store
    )
    operator = UserFactory(display_name="接线员小王")
    grant(operator, city, "hotline")
    store_staff = UserFactory(display_name="百货工会干部")
    grant(store_staff, store, "staff")
    worker = UserFactory(display_name="李四", phone="13800138000")
    return {
        "city": city,
        "yuzhong": yuzhong,
        "store": store,
        "employer": employer,
        "operator": operator,
        "store_staff": store_staff,
        "worker": worker,
    }


def test_worker_files_an_appeal_and_follows_it(
    phone_page: Any, live_server: Any, city_tree: dict[str, Any]
) -> None:
    page = phone_page
    sign_in(page, live_server, city_tree["worker"])
    # the first request of a run loads the URLconf (every app) on a busy 2-core machine
    page.goto("/rights/", timeout=30_000)
    page.get_by_role("link", name="我要维权").tap()
    expect(page).to_have_url(re.compile(r"/rights/new/$"))
    page.get_by_label("拖欠工资").check()
    page.locator("textarea[name=facts]").fill("公司已拖欠我三个月工资，共一万八千元。")
    page.get_by_label("单位名称（平台或站点也可）").fill("重庆解放碑百货有限公司")
    page.get_by_label("所在区县").select_option("渝中区")
    page.get_by_role("button", name="提交诉求").tap()
    expect(page.get_by_test_id("appeal-created")).to_contain_text("12351-")
    expect(page.get_by_test_id("appeal-status")).to_have_text("待受理")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    assert_page_healthy(page)

    appeal = Appeal.objects.get()
    assert appeal.union == city_tree["store"] and appeal.channel == "h5"
    services.appeal_accept(actor=city_tree["store_staff"], appeal=appeal)
    services.appeal_conclude(
        actor=city_tree["store_staff"],
        appeal=appeal,
        outcome="单位已补发全部工资",
        amount_recovered_fen=1_800_000,
    )

    page.goto("/rights/mine/")
    page.get_by_text("公司已拖欠我三个月工资").first.tap()
    expect(page.get_by_test_id("appeal-status")).to_have_text("已办结")
    expect(page.get_by_test_id("timeline")).to_contain_text("受理")
    rate = page.get_by_test_id("rate")
    rate.get_by_label("满意", exact=True).check()
    rate.get_by_role("button", name="提交评价").tap()
    expect(page.get_by_text("您的评价：满意")).to_be_visible()
    assert_page_healthy(page)
    assert Appeal.objects.get().rating == "satisfied"


def test_operator_takes_a_call_and_routes_it(
    desk_page: Any, live_server: Any, city_tree: dict[str, Any]
) -> None:
    earlier = services.appeal_create(
        actor=city_tree["operator"],
        channel="hotline",
        category="contract",
        facts="未签劳动合同",
        caller_name="张三",
        caller_phone="13912345678",
    )
    page = desk_page
    sign_in(page, live_server, city_tree["operator"])
    page.goto("/rights/console/intake/", timeout=30_000)
    page.get_by_label("来电号码").fill("13912345678")
    expect(page.get_by_test_id("caller-history")).to_contain_text(earlier.number)
    page.get_by_label("诉求人姓名").fill("张三")
    page.get_by_label("诉求类别").select_option("wages")
    page.get_by_label("事实与经过").fill("公司拖欠两个月工资。")
    page.get_by_label("用人单位").fill("重庆解放碑百货有限公司")
    # 查政策 inside the form
    page.get_by_placeholder("输入关键词，如：工伤认定").fill("工资")
    page.get_by_role("button", name="登记并分派").click()
    expect(page.get_by_test_id("created")).to_contain_text("解放碑百货工会")
    expect(page.get_by_test_id("caller")).to_contain_text("139****5678")
    assert_page_healthy(page)

    appeal = Appeal.objects.order_by("-id").first()
    assert appeal is not None and appeal.union == city_tree["store"]
    # the grassroots union transfers it up to the district
    sign_in(page, live_server, city_tree["store_staff"])
    page.goto(f"/rights/console/appeals/{appeal.pk}/")
    form = page.get_by_test_id("transfer-form")
    form.get_by_label("目标工会").select_option(label="渝中区总工会")
    form.get_by_label("转办原因").fill("涉及多名职工，报区总工会")
    form.get_by_role("button", name="转办").click()
    # out of the grassroots union's subtree now: back to its list
    expect(page).to_have_url(re.compile(r"/rights/console/appeals/$"))
    appeal.refresh_from_db()
    assert appeal.union == city_tree["yuzhong"]
    assert_page_healthy(page)


def test_a_bad_amount_on_the_appeal_page_is_named_and_nothing_concludes(
    desk_page: Any, live_server: Any, city_tree: dict[str, Any]
) -> None:
    appeal = services.appeal_create(
        actor=city_tree["operator"],
        channel="hotline",
        category="wages",
        facts="拖欠工资两个月",
        caller_name="张三",
        caller_phone="13912345678",
        employer=city_tree["employer"],
    )
    services.appeal_accept(actor=city_tree["store_staff"], appeal=appeal)
    page = desk_page
    sign_in(page, live_server, city_tree["store_staff"])
    page.goto(f"/rights/console/appeals/{appeal.pk}/", timeout=30_000)
    form = page.get_by_test_id("conclude-form")
    form.get_by_label("办理结果").fill("单位已补发工资")
    form.get_by_label("挽回金额").fill("一千")
    form.get_by_role("button", name="办结").click()
    expect(page.get_by_test_id("error")).to_have_text("挽回金额（元）：金额格式不正确。")
    assert_page_healthy(page)
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.HANDLING
