"""Finance starts a reconciliation from the console on a phone (390×844): a bad bill is refused
with its row and column named, the good one makes a run whose page lists the differences. An
activity's funding page: the organiser asks, the chair approves (screenshots, no sideways scroll)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from e2e.helpers import assert_page_healthy
from tests.helpers import UserFactory, grant, make_union
from yugong.funds import ledger
from yugong.funds.models import Reconciliation
from yugong.funds.payments.wechatpay_bill import BillRow, write_bill

from .test_funds import sign_in

pytestmark = pytest.mark.django_db(transaction=True)
SHOTS = Path("test-results")


def _bill(amount_text: str = "") -> bytes:
    out = io.StringIO()
    write_bill(
        [
            BillRow("2026-12-05 10:00:00", "4200001", "T-AMOUNT", "SUCCESS", 2_500, "", "", 0, 15),
            BillRow("2026-12-05 10:00:00", "4200002", "T-BILL-ONLY", "SUCCESS", 700, "", "", 0, 4),
        ],
        out,
    )
    text = out.getvalue()
    return (text.replace("`25.00,", f"`{amount_text},", 1) if amount_text else text).encode()


def test_finance_reconciles_an_uploaded_bill_on_a_phone(phone_page: Any, live_server: Any) -> None:
    city = make_union(None, name="重庆市总工会")
    shop = make_union(city, name="解放碑百货工会")
    finance = UserFactory(is_staff=True)
    grant(finance, shop, "finance")
    ledger.post(
        kind="payment",
        lines=[(ledger.PLATFORM_CASH, 2_000), (ledger.merchant_payable(1), -2_000)],
        external_ref="T-AMOUNT",
    )
    page = phone_page
    sign_in(page, live_server, finance)
    page.goto(f"{live_server.url}/console/funds/reconciliations/")
    page.get_by_test_id("run-start").click()
    page.get_by_label("微信支付交易账单（CSV）").set_input_files(
        {"name": "bill.csv", "mimeType": "text/csv", "buffer": _bill("25.0x")}
    )
    page.get_by_test_id("reconcile-start").click()
    expect(page.get_by_test_id("reconcile-error").first).to_contain_text("第2行 / 应结订单金额")
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "funds-reconcile-error-390.png"), full_page=True)
    assert not Reconciliation.objects.exists()
    page.get_by_label("微信支付交易账单（CSV）").set_input_files(
        {"name": "bill.csv", "mimeType": "text/csv", "buffer": _bill()}
    )
    page.get_by_test_id("reconcile-start").click()
    expect(page.get_by_text("对账完成")).to_be_visible()
    expect(page.get_by_text("金额不符").first).to_be_visible()
    expect(page.get_by_text("账簿无记录").first).to_be_visible()
    page.screenshot(path=str(SHOTS / "funds-reconcile-run-390.png"), full_page=True)
    assert Reconciliation.objects.get().differences == 2
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width
    assert_page_healthy(page)


def test_an_activity_is_funded_from_a_budget_line_on_a_phone(phone_page: Any, live_server: Any) -> None:
    import datetime as dt

    from yugong.core import timeutil
    from yugong.events.services import activity_create
    from yugong.funds import services as funds
    from yugong.funds.models import Category, Commitment

    city = make_union(None, name="重庆市总工会")
    organiser, chair = UserFactory(is_staff=True), UserFactory(is_staff=True)
    grant(organiser, city, "staff")
    grant(chair, city, "chair")
    budget = funds.budget_create(actor=organiser, union=city, year=timeutil.local_today().year)
    line = funds.budget_line_add(
        actor=organiser,
        budget=budget,
        category=Category.ACTIVITIES,
        name="全市职工文体活动",
        amount_fen=10_000_000,
    )
    funds.budget_submit(actor=organiser, budget=budget)
    funds.budget_approve(actor=chair, budget=budget)
    now = timeutil.now()
    activity = activity_create(
        actor=organiser,
        union_id=city.pk,
        title="职工健步走",
        kind="sports",
        places=200,
        signup_opens_at=now - dt.timedelta(days=1),
        signup_closes_at=now + dt.timedelta(days=5),
        starts_at=now + dt.timedelta(days=7),
    )
    page = phone_page
    sign_in(page, live_server, organiser)
    page.goto(f"{live_server.url}/activities/console/{activity.pk}/")
    page.get_by_test_id("activity-budget").click()
    page.get_by_label("预算项目").select_option(str(line.pk))
    page.get_by_label("费用（元）").fill("20")
    page.get_by_test_id("funding-ask").click()
    expect(page.get_by_test_id("funding-status")).to_contain_text("待审批")
    sign_in(page, live_server, chair)
    page.goto(f"{live_server.url}/activities/console/{activity.pk}/budget/")
    page.get_by_test_id("funding-approve").click()
    expect(page.get_by_test_id("funding-status")).to_contain_text("已占用")
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "events-funding-390.png"), full_page=True)
    assert Commitment.objects.get().reserved_fen == 400_000
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert_page_healthy(page)
