"""困难帮扶 at phone size: a worker applies on the phone; the grassroots officer reviews and records
the home visit with a signature drawn on the pad; the district approves; the 公示 shows to a
colleague; the file becomes active; a 冬送温暖 cycle is frozen and paid through a bank batch; the
worker sees the aid."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import pytest
from django.conf import settings as dj_settings
from django.test import Client
from django.utils.timezone import now
from playwright.sync_api import expect

from e2e.helpers import assert_page_healthy
from tests.helpers import UserFactory, grant, make_union
from yugong.assistance import services as s
from yugong.assistance.models import FileStep, HardshipFile, MinimumLivingLine
from yugong.core.timeutil import local_today
from yugong.funds import services as funds
from yugong.funds.models import Category, PayoutLine
from yugong.members.models import Membership, Person

pytestmark = pytest.mark.django_db(transaction=True)


def sign_in(page: Any, live_server: Any, user: Any) -> None:
    page.context.clear_cookies()
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


def member(union: Any, name: str) -> Any:
    user = UserFactory(display_name=name)
    person = Person.objects.create(name=name, user=user)
    Membership.objects.create(person=person, union=union, status=Membership.Status.ACTIVE)
    return user


def test_apply_review_visit_approve_notice_and_campaign_payment(phone_page: Any, live_server: Any) -> None:
    city = make_union(None, name="重庆市总工会")
    district = make_union(city, kind="district", name="渝中区总工会", district="渝中区")
    store = make_union(district, kind="grassroots", name="解放碑百货工会")
    officer, approver, chair, finance = (UserFactory(is_staff=True) for _ in range(4))
    grant(officer, store, "staff")
    grant(approver, district, "staff")
    grant(chair, district, "chair")
    grant(finance, district, "finance")
    worker, colleague = member(store, "王小红"), member(store, "张三")
    MinimumLivingLine.objects.create(district="渝中区", year=local_today().year, monthly_fen=70_000)
    page = phone_page

    sign_in(page, live_server, worker)
    page.goto(f"{live_server.url}/assistance/apply/")
    page.get_by_label("因病").check()
    page.get_by_label("家庭月工资收入（元）").fill("600")
    page.get_by_label("银行卡号").fill("6222020012345678901")
    page.get_by_label("我同意工会向民政等部门核对我的家庭收入").check()
    page.get_by_role("button", name="提交申请").click()
    expect(page.get_by_test_id("assistance-file")).to_contain_text("待基层审核")
    assert_page_healthy(page)
    f = HardshipFile.objects.get()

    sign_in(page, live_server, officer)
    page.goto(f"{live_server.url}/assistance/console/files/{f.pk}/")
    page.get_by_label("意见").select_option("1")
    page.get_by_test_id("decide").click()
    expect(page.get_by_test_id("file-status")).to_contain_text("待入户走访")
    page.get_by_label("走访时间").fill(
        (now() - dt.timedelta(hours=1)).astimezone().strftime("%Y-%m-%dT%H:%M")
    )
    page.get_by_label("走访地点").fill("渝中区某小区")
    page.get_by_label("走访人员").fill("百货工会干部")
    page.get_by_label("走访情况").fill("情况属实，申请人患病")
    pad = page.get_by_test_id("signature-pad")
    pad.scroll_into_view_if_needed()  # mouse coordinates are the viewport's
    box = pad.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + 20, box["y"] + 40)
    page.mouse.down()
    page.mouse.move(box["x"] + 120, box["y"] + 90, steps=8)
    page.mouse.move(box["x"] + 200, box["y"] + 30, steps=8)
    page.mouse.up()
    page.get_by_test_id("visit").click()
    expect(page.get_by_test_id("file-status")).to_contain_text("待上级审批")
    expect(page.get_by_test_id("visit-signature")).to_be_visible()
    assert FileStep.objects.get(file=f, kind="visited").data["signature"]
    assert_page_healthy(page)

    sign_in(page, live_server, approver)
    page.goto(f"{live_server.url}/assistance/console/files/{f.pk}/")
    page.get_by_label("意见").select_option("1")
    page.get_by_test_id("decide").click()
    expect(page.get_by_test_id("file-status")).to_contain_text("公示中")

    sign_in(page, live_server, colleague)
    page.goto(f"{live_server.url}/assistance/notices/")
    expect(page.get_by_test_id("notice")).to_contain_text("王*红")

    HardshipFile.objects.filter(pk=f.pk).update(notice_ends_at=now() - dt.timedelta(minutes=1))
    sign_in(page, live_server, officer)
    page.goto(f"{live_server.url}/assistance/console/files/{f.pk}/")
    page.get_by_test_id("activate").click()
    expect(page.get_by_test_id("file-status")).to_contain_text("已建档")

    budget = funds.budget_create(actor=approver, union=district, year=local_today().year)
    line = funds.budget_line_add(
        actor=approver, budget=budget, category=Category.ACTIVITIES, name="帮扶", amount_fen=10_000_000
    )
    funds.budget_submit(actor=approver, budget=budget)
    funds.budget_approve(actor=chair, budget=budget)
    camp = s.campaign_create(
        actor=approver, union=district, kind="winter_warmth", title="冬送温暖", budget_line=line
    )
    cycle = s.cycle_create(
        actor=approver,
        campaign=camp,
        name="第一批",
        starts_on=local_today(),
        ends_on=local_today() + dt.timedelta(days=30),
        amounts={"deep": 100_000},
    )
    sign_in(page, live_server, approver)
    page.goto(f"{live_server.url}/assistance/console/cycles/{cycle.pk}/")
    page.get_by_test_id("build").click()
    expect(page.get_by_test_id("cycle-people")).to_have_text("1")
    page.get_by_test_id("submit").click()
    sign_in(page, live_server, chair)
    page.goto(f"{live_server.url}/assistance/console/cycles/{cycle.pk}/")
    page.get_by_test_id("approve").click()
    expect(page.get_by_test_id("cycle-status")).to_contain_text("名单已锁定")
    sign_in(page, live_server, finance)
    page.goto(f"{live_server.url}/assistance/console/cycles/{cycle.pk}/")
    page.get_by_test_id("pay").click()
    expect(page.get_by_test_id("cycle-status")).to_contain_text("发放中")
    assert_page_healthy(page)

    line_row = PayoutLine.objects.get()
    text = io.StringIO()
    csv.writer(text).writerows(
        [["客户流水号", "处理结果", "失败原因", "金额"], [line_row.number, "成功", "", "1000.00"]]
    )
    s.cycle_results_import(
        actor=finance, cycle=cycle, batch=line_row.batch_id, data=io.BytesIO(text.getvalue().encode("gbk"))
    )

    sign_in(page, live_server, worker)
    page.goto(f"{live_server.url}/assistance/aid/")
    expect(page.get_by_test_id("aid-row")).to_contain_text("冬送温暖")
    expect(page.get_by_test_id("aid-row")).to_contain_text("已到账")
    assert_page_healthy(page)


def test_spot_check_draw_and_result_and_the_exit_notice_on_the_phone(
    phone_page: Any, live_server: Any
) -> None:
    """The district draws this year's spot checks and records one on the phone; a file closed by
    the grassroots staff shows to a colleague as a 结档公示 (masked, without the reason)."""
    city = make_union(None, name="重庆市总工会")
    district = make_union(city, kind="district", name="渝中区总工会", district="渝中区")
    store = make_union(district, kind="grassroots", name="解放碑百货工会")
    officer, approver = UserFactory(is_staff=True), UserFactory(is_staff=True)
    grant(officer, store, "staff")
    grant(approver, district, "staff")
    MinimumLivingLine.objects.create(district="渝中区", year=local_today().year, monthly_fen=70_000)
    colleague = member(store, "张三")
    files = []
    for name in ("王小红", "李大明", "赵小芳"):
        person = Person.objects.get(user=member(store, name))
        f = s.file_apply(
            actor=officer,
            person=person,
            incomes=[{"source": "工资", "monthly_fen": 60_000}],
            causes=["illness"],
            consent=True,
        )
        files.append(f)
    HardshipFile.objects.filter(pk__in=[f.pk for f in files]).update(
        status="active", due_at=None, review_due_on=local_today()
    )
    page = phone_page

    sign_in(page, live_server, approver)
    page.goto(f"{live_server.url}/assistance/console/spot-checks/")
    page.get_by_test_id("spot-draw").click()
    expect(page.get_by_test_id("spot-row")).to_have_count(1)  # 10 % of 3, rounded up
    expect(page.get_by_test_id("spot-draws")).to_contain_text("一致")
    expect(page.get_by_test_id("spot-draw")).to_have_count(0)  # once a year
    row = page.get_by_test_id("spot-row")
    row.get_by_label("抽查结果").select_option("discrepancy")
    row.get_by_label("抽查说明").fill("家中新增务工收入")
    row.get_by_role("button", name="记录结果").click()
    expect(page.get_by_test_id("spot-row")).to_have_count(0)
    page.goto(f"{live_server.url}/assistance/console/spot-checks/?result=discrepancy")
    expect(page.get_by_test_id("spot-row")).to_contain_text("家中新增务工收入")
    assert_page_healthy(page)

    s.file_close(actor=officer, file=files[0], kind="exit", reason="病愈复工，收入已超过标准")
    sign_in(page, live_server, colleague)
    page.goto(f"{live_server.url}/assistance/notices/")
    notice = page.get_by_test_id("exit-notice")
    expect(notice).to_contain_text("王*红")
    expect(notice).not_to_contain_text("病愈")
    assert_page_healthy(page)
