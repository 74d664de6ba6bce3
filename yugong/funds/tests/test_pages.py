"""Console pages: the budget journey through the forms, the drill-down, the report and its .xlsx,
flat query counts, and the scope (outside the subtree answers 404)."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from tests.helpers import assert_max_queries
from yugong.core.timeutil import local_today
from yugong.funds import services
from yugong.funds.models import Budget, BudgetLine, Commitment

from .factories import build_world

pytestmark = pytest.mark.django_db


def test_budget_journey_through_the_pages(client: Any) -> None:
    w = build_world(approve=False)
    client.force_login(w.preparer)
    year = local_today().year
    r = client.post(reverse("funds:budgets"), {"union": w.other.pk, "year": year})
    assert r.status_code == 200  # not the preparer's union: the form says so, nothing created
    assert not Budget.objects.filter(union=w.other).exists()
    r = client.post(
        reverse("funds:budget_action", args=[w.budget.pk, "line"]),
        {"category": "rights", "name": "法律援助", "amount_yuan": "1500.50"},
    )
    assert r.status_code == 302
    assert BudgetLine.objects.get(budget=w.budget, name="法律援助").amount_fen == 150_050
    r = client.post(
        reverse("funds:budget_action", args=[w.budget.pk, "line"]),
        {"category": "rights", "name": "", "amount_yuan": "x"},
    )
    assert r.status_code == 302 and BudgetLine.objects.filter(budget=w.budget).count() == 2
    client.post(reverse("funds:budget_action", args=[w.budget.pk, "submit"]))
    r = client.post(reverse("funds:budget_action", args=[w.budget.pk, "approve"]), follow=True)
    assert "您没有执行此操作的权限" in r.content.decode()  # staff prepare, leaders approve
    client.force_login(w.chair)
    client.post(reverse("funds:budget_action", args=[w.budget.pk, "approve"]))
    w.budget.refresh_from_db()
    assert w.budget.status == Budget.Status.APPROVED
    r = client.get(reverse("funds:budget", args=[w.budget.pk]))
    assert r.status_code == 200 and "法律援助" in r.content.decode()
    client.force_login(w.preparer)
    r = client.post(reverse("funds:line", args=[w.line.pk]), {"amount_yuan": "300", "purpose": "春游"})
    assert r.status_code == 302
    c = Commitment.objects.get(line=w.line)
    client.force_login(w.chair)
    client.post(reverse("funds:commitment_action", args=[c.pk, "approve"]))
    client.force_login(w.finance)
    client.post(reverse("funds:commitment_action", args=[c.pk, "spend"]), {"amount_yuan": "120"})
    c.refresh_from_db()
    assert c.spent_fen == 12_000 and c.reserved_fen == 18_000
    r = client.get(reverse("funds:line", args=[w.line.pk]))
    assert "budget_spend" in r.content.decode()
    r = client.get(reverse("funds:report"), {"union": w.company.pk, "year": year})
    assert r.status_code == 200 and "¥120.00" in r.content.decode()
    r = client.get(reverse("funds:report"), {"union": w.company.pk, "year": year, "format": "xlsx"})
    book = load_workbook(io.BytesIO(r.content), read_only=True)
    rows = [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
    assert rows[0][2] == "预算项目" and any(row[2] == "职工文体活动" and row[5] == 120.0 for row in rows[1:])


def test_pages_are_scoped(client: Any) -> None:
    w = build_world()
    client.force_login(w.outsider)
    assert client.get(reverse("funds:budget", args=[w.budget.pk])).status_code == 404
    assert client.get(reverse("funds:line", args=[w.line.pk])).status_code == 404
    assert client.post(reverse("funds:budget_action", args=[w.budget.pk, "approve"])).status_code == 404
    client.force_login(w.auditor)
    assert client.get(reverse("funds:budget", args=[w.budget.pk])).status_code == 200
    r = client.post(reverse("funds:line", args=[w.line.pk]), {"amount_yuan": "1", "purpose": "x"})
    assert r.status_code == 200 and not Commitment.objects.exists()  # refused on the form


@pytest.mark.parametrize("extra", [2, 20])
def test_list_pages_have_flat_query_counts(client: Any, extra: int) -> None:
    w = build_world()
    for i in range(extra):
        services.commitment_request(actor=w.preparer, line=w.line, amount_fen=1, purpose=f"p{i}")
    client.force_login(w.auditor)
    client.get(reverse("funds:commitments"))  # warm the navigation caches
    with assert_max_queries(14):
        assert client.get(reverse("funds:commitments")).status_code == 200
    with assert_max_queries(14):
        assert client.get(reverse("funds:line", args=[w.line.pk])).status_code == 200
    with assert_max_queries(14):
        assert client.get(reverse("funds:budgets")).status_code == 200
