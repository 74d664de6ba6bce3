"""The balance buckets under concurrent reviews (real threads against PostgreSQL): every approval
of one account's outcomes at once lands in the ledger and in its bucket, within the source's cap;
the control without the account lock shows the race is real."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.helpers import UserFactory, grant, make_union, requires_postgres
from tests.race import race
from yugong.accounts.system import system_actor
from yugong.learning.bank import balance_check, outcome_deposit, outcome_review
from yugong.learning.models import ConversionRule, CreditBalance, CreditEntry, LearningAccount
from yugong.members.tests.factories import make_person

pytestmark = [requires_postgres, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
REVIEWS, EACH, CAP = 6, Decimal(2), Decimal(7)


def _race(unsafe: bool) -> tuple[list[object], Decimal, Decimal]:
    union = make_union(None)
    ConversionRule.objects.create(source="honour", cap_credits=CAP)
    staff = [UserFactory() for _ in range(REVIEWS)]
    for s in staff:
        grant(s, union, "staff")
    person = make_person()
    outcomes = [
        outcome_deposit(
            person=person,
            source="honour",
            source_ref=f"h{i}",
            title="荣誉",
            evidence={},
            credits=EACH,
            union_id=union.pk,
            actor=system_actor(),
        )[0]
        for i in range(REVIEWS)
    ]
    results = race(
        REVIEWS,
        lambda i: outcome_review(
            actor=staff[i], outcome_id=outcomes[i].pk, approve=True, _unsafe_no_lock=unsafe
        ),
    )
    account = LearningAccount.objects.get(person=person)
    ledger = sum((e.credits for e in CreditEntry.objects.filter(account=account)), Decimal(0))
    kept = sum((b.credits for b in CreditBalance.objects.filter(account=account)), Decimal(0))
    return results, ledger, kept


def test_concurrent_reviews_keep_the_buckets_equal_to_the_ledger_and_within_the_cap() -> None:
    results, ledger, kept = _race(unsafe=False)
    assert not [r for r in results if isinstance(r, Exception)]
    assert ledger == kept == CAP
    account = LearningAccount.objects.get()
    assert balance_check(account.pk)
    assert CreditBalance.objects.get(account=account).entries == REVIEWS


def test_control_without_the_account_lock_breaks() -> None:
    results, ledger, kept = _race(unsafe=True)
    failed = [r for r in results if isinstance(r, Exception)]  # two first bucket inserts collide
    assert failed or ledger > CAP
