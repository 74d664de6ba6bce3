"""A union's preparer drafts a budget line in the console, the chair approves the budget, the
preparer asks to spend and the chair approves it; the line shows what is left."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings as dj_settings
from django.test import Client
from playwright.sync_api import expect

from e2e.helpers import assert_page_healthy
from tests.helpers import UserFactory, grant, make_union
from yugong.core.timeutil import local_today
from yugong.funds import services
from yugong.funds.models import Budget, BudgetLine

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


def test_budget_to_spending_journey(desk_page: Any, live_server: Any) -> None:
    city = make_union(None, name="重庆市总工会")
    shop = make_union(city, name="解放碑百货工会")
    preparer, chair = UserFactory(is_staff=True), UserFactory(is_staff=True)
    grant(preparer, shop, "staff")
    grant(chair, shop, "chair")
    budget = services.budget_create(actor=preparer, union=shop, year=local_today().year)
    page = desk_page

    sign_in(page, live_server, preparer)
    page.goto(f"{live_server.url}/console/funds/budgets/{budget.pk}/")
    page.get_by_label("支出类别").select_option("activities")
    page.get_by_label("预算项目").fill("职工文体活动")
    page.get_by_label("预算金额（元）").fill("2000")
    page.get_by_test_id("line-add").click()
    expect(page.get_by_role("link", name="职工文体活动")).to_be_visible()
    page.get_by_test_id("budget-submit").click()
    expect(page.get_by_test_id("budget-status")).to_contain_text("待审批")
    assert_page_healthy(page)

    sign_in(page, live_server, chair)
    page.goto(f"{live_server.url}/console/funds/budgets/{budget.pk}/")
    page.get_by_test_id("budget-approve").click()
    expect(page.get_by_test_id("budget-status")).to_contain_text("已批准")
    assert Budget.objects.get(pk=budget.pk).status == "approved"

    line = BudgetLine.objects.get(budget=budget)
    sign_in(page, live_server, preparer)
    page.goto(f"{live_server.url}/console/funds/lines/{line.pk}/")
    page.get_by_label("申请金额（元）").fill("300")
    page.get_by_label("用途").fill("春季健步走")
    page.get_by_test_id("commitment-request").click()
    expect(page.get_by_text("春季健步走")).to_be_visible()

    sign_in(page, live_server, chair)
    page.goto(f"{live_server.url}/console/funds/commitments/")
    page.get_by_role("button", name="批准").first.click()
    page.goto(f"{live_server.url}/console/funds/lines/{line.pk}/")
    expect(page.get_by_test_id("line-available")).to_contain_text("¥1,700.00")
    assert_page_healthy(page)
