"""Scan-to-join on a phone: a worker opens a union's join QR (its URL), signs in with an SMS code,
fills the short form, a staff member of the union approves the application in the console, and
the worker sees the e-member card with its member number and QR code."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from e2e.helpers import assert_page_healthy, fresh_phone, sms_code_for
from tests.helpers import UserFactory, grant, make_union

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "correct horse battery"  # UserFactory's
# The first 17 characters of a GB 11643 number (born 1990-03-07, male); the form verifies the
# check character, which the test computes.
ID_BODY = "11010519900307001"


def _valid_id() -> str:
    from yugong.core.validators import id_check_char

    return ID_BODY + id_check_char(ID_BODY)


@pytest.mark.usefixtures("sms_to_outbox")
def test_worker_scans_joins_staff_approves_worker_sees_card(
    phone_page: Any, desk_page: Any, live_server: Any
) -> None:
    from yugong.members.models import Membership
    from yugong.orgs.qr import join_path, join_url

    city = make_union(None, name="重庆市总工会")
    district = make_union(city, kind="district", name="渝北区总工会")
    company = make_union(district, kind="grassroots", name="重庆长安汽车股份有限公司工会")
    staff = UserFactory(username="chen.jing", display_name="陈静", is_staff=True)
    grant(staff, company, "staff")

    # 1. The worker scans the poster: the QR holds the union's join URL.
    path = join_path(company)
    assert join_url(company).endswith(path) and path == f"/join/{company.code}/"
    page = phone_page
    phone = fresh_phone()
    page.goto(path)
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=%2Fjoin%2F"))
    page.get_by_label("手机号").fill(phone)
    page.get_by_role("button", name="获取验证码").tap()
    page.get_by_label("短信验证码").fill(sms_code_for(phone))
    page.get_by_role("button", name="登录").tap()

    # 2. Back on the join form, with the union chosen by the code.
    expect(page).to_have_url(re.compile(rf"/join/{company.code}/$"))
    expect(page.get_by_test_id("join-union")).to_contain_text("重庆长安汽车股份有限公司工会")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    assert_page_healthy(page)
    page.get_by_label("姓名", exact=True).fill("赵海洋")
    page.get_by_label("身份证号", exact=True).fill(_valid_id())
    page.get_by_label("就业形态", exact=True).select_option("regular")
    page.get_by_label("我是农民工").check()
    page.get_by_label("工作单位（选填）").fill("重庆长安汽车股份有限公司")
    page.get_by_role("checkbox", name=re.compile("我自愿加入中华全国总工会")).check()
    page.get_by_test_id("join-submit").tap()
    expect(page).to_have_url(re.compile(r"/members/mine/$"))
    expect(page.get_by_text("入会申请已提交")).to_be_visible()
    application = Membership.objects.get(person__name="赵海洋")
    assert application.status == "pending" and application.union_id == company.pk
    assert application.channel == "scan"

    # Before approval the card page says there is no card yet.
    page.goto("/members/card/")
    expect(page.get_by_test_id("no-card")).to_be_visible()

    # 3. The union's staff member approves it in the console (desk browser).
    desk = desk_page
    desk.goto("/console/members/approvals/")
    desk.get_by_label("用户名").fill("chen.jing")
    desk.get_by_label("密码").fill(PASSWORD)
    desk.get_by_role("button", name="登录", exact=True).click()
    expect(desk).to_have_url(re.compile(r"/console/members/approvals/$"))
    row = desk.locator(f"tr[data-membership='{application.pk}']")
    expect(row).to_contain_text("赵*洋")  # masked in the inbox
    expect(row).to_contain_text(f"{phone[:3]}****{phone[-4:]}")
    expect(row).not_to_contain_text(phone)
    row.get_by_role("button", name="通过").click()
    expect(desk.get_by_text(re.compile(r"已通过 赵\*洋 的申请，会员编号 YG\d+"))).to_be_visible()
    assert_page_healthy(desk)
    application.refresh_from_db()
    assert application.status == "active" and application.member_no

    # 4. The worker's card: name, union, member number and a QR the staff can scan.
    page.goto("/members/card/")
    card = page.get_by_test_id("member-card")
    expect(card).to_contain_text("赵海洋")
    expect(card).to_contain_text("重庆长安汽车股份有限公司工会")
    expect(page.get_by_test_id("member-no")).to_have_text(application.member_no)
    qr = page.get_by_role("img", name="会员卡二维码")
    expect(qr.locator("svg")).to_be_visible()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    assert_page_healthy(page)
