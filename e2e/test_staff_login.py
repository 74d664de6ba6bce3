"""The staff journey on a desk: username + password → the console, acting in their union."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from e2e.helpers import assert_page_healthy, assert_styled
from tests.helpers import UserFactory, grant, make_union

PASSWORD = "correct horse battery"  # UserFactory's


@pytest.fixture
def district_staff(transactional_db: Any) -> Any:
    city = make_union(None, name="重庆市总工会")
    district = make_union(city, kind="district", name="渝中区总工会")
    user = UserFactory(username="liu.fang", display_name="刘芳", is_staff=True)
    grant(user, district, "staff")
    return user


def test_staff_signs_in_and_sees_the_console(desk_page: Any, district_staff: Any) -> None:
    page = desk_page
    page.goto("/console/")
    # Not signed in: the console sends staff to their own sign-in page, keeping the target.
    expect(page).to_have_url(re.compile(r"/accounts/staff-login/\?next=/console/"))
    expect(page.get_by_role("heading", name="工作人员登录")).to_be_visible()

    page.get_by_label("用户名").fill("liu.fang")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()

    expect(page).to_have_url(re.compile(r"/console/$"))
    acting = page.get_by_test_id("acting-in")
    expect(acting).to_contain_text("当前工作节点")
    expect(acting).to_contain_text("渝中区总工会")
    expect(acting).not_to_contain_text("重庆市总工会")  # above their node: not theirs
    console_nav = page.locator(".yg-console-nav")
    for label in ["一网管", "一站享", "一链培", "一件事", "一键通", "驾驶舱"]:
        expect(console_nav.get_by_role("link", name=label)).to_be_visible()
    expect(page.get_by_text("刘芳")).to_be_visible()
    assert_styled(page)
    assert_page_healthy(page)


def test_wrong_password_is_refused_in_chinese(desk_page: Any, district_staff: Any) -> None:
    page = desk_page
    page.goto("/accounts/staff-login/")
    page.get_by_label("用户名").fill("liu.fang")
    page.get_by_label("密码").fill("not the password")
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page.get_by_test_id("form-error")).to_contain_text("用户名或密码不正确")
    expect(page).to_have_url(re.compile(r"/accounts/staff-login/"))
    assert_page_healthy(page)
