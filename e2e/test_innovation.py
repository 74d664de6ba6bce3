"""五小 journey at phone size: a worker submits a proposal from 我的创新, the union accepts and
adopts it in the console and grants the reward from a line of its budget (a spending request in
funds), and the worker sees it adopted and the credit it earned."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as dj_settings
from django.test import Client
from playwright.sync_api import expect

from e2e.helpers import assert_page_healthy
from tests.helpers import UserFactory, grant, make_union
from yugong.core.timeutil import local_today
from yugong.funds import services as funds
from yugong.funds.models import Category
from yugong.innovation.models import Proposal
from yugong.learning.models import ConversionRule, CreditEntry
from yugong.members.models import Membership
from yugong.members.tests.factories import make_person

pytestmark = pytest.mark.django_db(transaction=True)
SHOTS = Path(__file__).resolve().parent.parent / "test-results"


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


def fits(page: Any) -> None:
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    assert_page_healthy(page)


def test_worker_proposes_the_union_adopts_and_the_worker_sees_the_credit(
    phone_page: Any, live_server: Any
) -> None:
    city = make_union(None, kind="city", name="重庆市总工会")
    yuzhong = make_union(city, kind="district", name="渝中区总工会", district="渝中区")
    store = make_union(yuzhong, kind="grassroots", name="解放碑百货工会", district="渝中区")
    staff = UserFactory(display_name="百货工会干部")
    grant(staff, store, "staff")
    worker = UserFactory(display_name="王师傅", phone="13800138000")
    person = make_person(name="王师傅", user=worker, employer_name="重庆解放碑百货有限公司")
    Membership.objects.create(person=person, union=store, status=Membership.Status.ACTIVE)
    ConversionRule.objects.create(source="innovation", default_credits=Decimal("2.0"))
    chair = UserFactory(display_name="百货工会主席")
    grant(chair, store, "chair")
    budget = funds.budget_create(actor=staff, union=store, year=local_today().year)
    line = funds.budget_line_add(
        actor=staff, budget=budget, category=Category.OTHER, name="职工技术创新奖励", amount_fen=500_000
    )
    funds.budget_submit(actor=staff, budget=budget)
    funds.budget_approve(actor=chair, budget=budget)

    page = phone_page
    # the worker submits a 五小 proposal from 我的创新
    sign_in(page, live_server, worker)
    page.goto(f"{live_server.url}/innovation/", timeout=30_000)
    fits(page)
    page.get_by_test_id("proposal-new").click()
    form = page.get_by_test_id("proposal-form")
    form.get_by_label("类别").select_option("innovation")
    form.get_by_label("项目名称").fill("收银台扫码枪磁吸支架")
    form.get_by_label("现状与问题").fill("扫码枪常从台面跌落损坏。")
    form.get_by_label("改进措施").fill("加装磁吸支架，用后自动归位。")
    page.get_by_test_id("proposal-submit").click()
    expect(page.get_by_test_id("proposal-status")).to_have_text("已提交")
    fits(page)
    proposal = Proposal.objects.get()

    # the union accepts it for review and adopts it
    sign_in(page, live_server, staff)
    page.goto(f"{live_server.url}/innovation/console/proposals/")
    page.get_by_test_id("proposal-queue-row").get_by_role("link", name="收银台扫码枪磁吸支架").click()
    page.get_by_test_id("proposal-accept").click()
    expect(page.get_by_test_id("proposal-status")).to_have_text("评审中")
    adopt = page.get_by_test_id("adopt-form")
    adopt.get_by_label("采纳等级").select_option("second")
    adopt.get_by_label("年经济效益（元）").fill("24000")
    adopt.get_by_label("评审意见").fill("全店推广")
    page.get_by_test_id("proposal-adopt").click()
    expect(page.get_by_test_id("proposal-status")).to_have_text("已采纳")
    assert_page_healthy(page)
    # the reward, paid from the union's budget line: a spending request waits for the chair
    reward = page.get_by_test_id("reward-form")
    reward.get_by_label("预算项目").select_option(str(line.pk))
    reward.get_by_label("奖励金额（元）").fill("800")
    reward.get_by_role("button", name="申请发放奖励").click()
    expect(page.get_by_test_id("proposal-status")).to_have_text("已奖励")
    expect(page.get_by_test_id("reward-state")).to_have_text("待批准")
    expect(page.get_by_test_id("reward-payment")).to_contain_text("职工技术创新奖励")
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "innovation-reward-console.png"), full_page=True)
    assert_page_healthy(page)

    # the worker sees it adopted, and the credit in the credit bank
    sign_in(page, live_server, worker)
    page.goto(f"{live_server.url}/innovation/")
    expect(page.get_by_test_id("my-proposal")).to_contain_text("已奖励")
    page.get_by_test_id("my-proposal").click()
    expect(page.get_by_test_id("proposal-outcome")).to_contain_text("学分已计入学分银行")
    fits(page)
    page.get_by_test_id("credits-link").click()
    expect(page.get_by_test_id("credit-row")).to_contain_text("创新成果")
    expect(page.get_by_test_id("credit-total")).to_have_text("2.0")
    fits(page)
    entry = CreditEntry.objects.get(account__person=person)
    assert (entry.source, entry.credits, entry.evidence["ref"]) == (
        "innovation",
        Decimal("2.0"),
        f"proposal:{proposal.pk}",
    )
