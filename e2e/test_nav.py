"""Browser journey: each kind of user starts on their own work and sees only what they may open.

A merchant owner signs in with username and password, lands on the workbench with the merchant
menu (no union console menu), and a console URL typed by hand answers a 403 page that says why and
takes them back to the workbench. A hotline operator lands on the 12351 appeal queue. A worker's
home grid shows the tiles of the installed apps, each of which opens."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from e2e.helpers import assert_page_healthy
from tests.helpers import UserFactory, grant, make_union

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct horse battery"  # UserFactory's


def _staff_sign_in(page: Any, username: str) -> None:
    page.goto("/accounts/staff-login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()


def test_a_merchant_lands_on_the_workbench_and_is_told_where_to_go(desk_page: Any) -> None:
    from yugong.tourism.tests.factories import make_merchant

    city = make_union(None, name="重庆市总工会")
    merchant, owner = make_merchant(city, name="重庆红岩剧团")
    owner.username = "hongyan.owner"
    owner.set_password(PASSWORD)
    owner.save()
    page = desk_page
    _staff_sign_in(page, "hongyan.owner")
    expect(page).to_have_url(re.compile(rf"/tourism/merchant/{merchant.pk}/products/$"))
    menu = page.get_by_test_id("merchant-nav")
    for label in ["产品与场次", "订单", "验票/年票核验", "结算单", "员工账号"]:
        expect(menu.get_by_role("link", name=label)).to_be_visible()
    expect(page.get_by_test_id("console-nav")).to_have_count(0)
    menu.get_by_role("link", name="订单").click()
    expect(page).to_have_url(re.compile(rf"/tourism/merchant/{merchant.pk}/orders/$"))
    assert_page_healthy(page)

    page.goto("/console/")
    expect(page.get_by_role("heading", name="没有权限")).to_be_visible()
    expect(page.get_by_test_id("error-reason")).to_contain_text("工会工作人员")
    page.get_by_test_id("error-home").click()
    expect(page).to_have_url(re.compile(rf"/tourism/merchant/{merchant.pk}/products/$"))


def test_a_hotline_operator_lands_on_the_appeal_queue(desk_page: Any) -> None:
    city = make_union(None, name="重庆市总工会")
    operator = UserFactory(username="chen.jing", display_name="陈静", is_staff=True)
    grant(operator, city, "hotline")
    page = desk_page
    _staff_sign_in(page, "chen.jing")
    expect(page).to_have_url(re.compile(r"/rights/console/appeals/$"))
    nav = page.locator(".yg-console-nav")
    expect(nav.get_by_role("link", name="一键通")).to_be_visible()
    expect(nav.get_by_role("link", name="热线受理")).to_be_visible()
    assert_page_healthy(page)


def test_the_worker_home_grid_links_open(phone_page: Any) -> None:
    page = phone_page
    page.goto("/")
    tiles = page.get_by_test_id("home-tiles").get_by_role("link")
    expect(tiles.first).to_be_visible()
    labels = [t.inner_text().strip() for t in tiles.all()]
    assert any("游巴蜀" in label for label in labels) and any("12351" in label for label in labels)
    page.get_by_test_id("home-tiles").get_by_role("link", name=re.compile("渝工港湾")).click()
    expect(page).to_have_url(re.compile(r"/stations/$"))
    assert_page_healthy(page)
