"""The worker's journey on a phone: home → 手机号登录 → SMS code → signed in, Chinese home page."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from e2e.helpers import assert_page_healthy, assert_styled, fresh_phone, sms_code_for

TABS = ["首页", "服务", "成长", "帮扶", "我的"]


def test_home_page_on_a_phone(phone_page: Any) -> None:
    page = phone_page
    response = page.goto("/")
    assert response is not None and response.status == 200
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.get_by_text("欢迎来到渝工娘家人")).to_be_visible()
    tabbar = page.get_by_role("navigation", name="主导航")
    for label in TABS:
        expect(tabbar.get_by_role("link", name=label)).to_be_visible()
    assert_styled(page)
    assert page.evaluate("() => Boolean(window.htmx) && Boolean(window.Alpine)"), "htmx/Alpine did not load"
    # Mobile-first: nothing wider than the phone.
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    assert_page_healthy(page)


@pytest.mark.usefixtures("sms_to_outbox")
def test_worker_signs_in_with_an_sms_code(phone_page: Any) -> None:
    page = phone_page
    phone = fresh_phone()

    page.goto("/")
    page.get_by_role("link", name="手机号登录").tap()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    expect(page.get_by_role("heading", name="手机号登录")).to_be_visible()

    page.get_by_label("手机号").fill(phone)
    page.get_by_role("button", name="获取验证码").tap()

    expect(page.get_by_role("status")).to_contain_text(f"{phone[:3]}****{phone[-4:]}")
    code = sms_code_for(phone)
    page.get_by_label("短信验证码").fill(code)
    page.get_by_role("button", name="登录", exact=True).tap()

    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.get_by_text(re.compile(r"您好"))).to_be_visible()
    expect(page.get_by_role("link", name="手机号登录")).to_have_count(0)
    tabbar = page.get_by_role("navigation", name="主导航")
    for label in TABS:
        expect(tabbar.get_by_role("link", name=label)).to_be_visible()
    expect(tabbar.get_by_role("link", name="首页")).to_have_attribute("aria-current", "page")

    # Signed in for real: 我的 opens instead of sending back to the login page.
    tabbar.get_by_role("link", name="我的").tap()
    expect(page).to_have_url(re.compile(r"/h5/me/$"))
    assert_page_healthy(page)


@pytest.mark.usefixtures("sms_to_outbox")
def test_wrong_code_says_so_in_chinese(phone_page: Any) -> None:
    page = phone_page
    phone = fresh_phone()
    page.goto("/accounts/login/")
    page.get_by_label("手机号").fill(phone)
    page.get_by_role("button", name="获取验证码").tap()
    code = sms_code_for(phone)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    page.get_by_label("短信验证码").fill(wrong)
    page.get_by_role("button", name="登录", exact=True).tap()
    expect(page.get_by_text(re.compile(r"验证码不正确"))).to_be_visible()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    assert_page_healthy(page)
