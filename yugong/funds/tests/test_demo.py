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
    assert Budget.objects.filter(status="approved").count() == 2
    assert set(Commitment.objects.values_list("status", flat=True)) == {
        "pending",
        "reserved",
        "first_approved",
    }
    assert ledger.trial_balance() == 0 and ledger.unbalanced_entries() == []
