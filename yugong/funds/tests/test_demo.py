from __future__ import annotations

import io

import pytest

from yugong.funds import ledger
from yugong.funds.models import Budget, Commitment


@pytest.mark.django_db
def test_demo_seeds_books_that_balance_and_is_idempotent() -> None:
    from yugong.accounts import demo as accounts_demo
    from yugong.funds import demo
    from yugong.orgs import demo as orgs_demo

    out = io.StringIO()
    accounts_demo.seed(out)
    orgs_demo.seed(out)
    demo.seed(out)
    demo.seed(out)
    assert Budget.objects.filter(status="approved").count() == 3
    # Lines the scenario demos pay from: tourism's pass batch (解放碑百货工会), activities and the
    # honours bonuses (the city).
    from yugong.funds.models import BudgetLine

    open_lines = BudgetLine.objects.filter(open=True)
    assert open_lines.filter(union__code="CQ-YZ-001", category="activities").exists()
    assert open_lines.filter(union__code="CQ", category="activities").exists()
    assert open_lines.filter(union__code="CQ", name="劳模先进奖励").exists()
    assert set(Commitment.objects.values_list("status", flat=True)) == {
        "pending",
        "reserved",
        "first_approved",
    }
    assert ledger.trial_balance() == 0 and ledger.unbalanced_entries() == []
