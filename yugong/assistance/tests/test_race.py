"""One household at most once per cycle, raced with real threads against PostgreSQL (skipped on
SQLite, which serialises writers) — the defect UNICEF HOPE's users report (a household in two
payment plans of one cycle).

Officers adding by hand do not queue on the cycle row (they hold it ``FOR SHARE``), so their
check-then-insert can interleave; the unique constraint on (cycle, household) is the judge. The
control runs the same race with the constraint dropped and lets the household in more than once:
the race is real, the constraint is what wins the test."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from tests.helpers import UserFactory, grant, requires_postgres
from tests.race import outcomes, race
from yugong.assistance import services as s
from yugong.assistance.models import Beneficiary, CampaignCycle
from yugong.core.errors import Conflict
from yugong.funds.models import Commitment, LedgerEntry, PayoutBatch, PayoutLine

from .campaign_world import World, active_file, build_world, cycle
from .conftest import LINE, Tree

pytestmark = [requires_postgres, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

OFFICERS = 12


def _rush(tree: Tree) -> tuple[World, Any, list[Any]]:
    world = build_world(tree)
    f = active_file(tree.store, income_fen=LINE - 1)
    c = cycle(world)  # not built: the household is only added by hand
    officers = []
    for _ in range(OFFICERS):
        u = UserFactory()
        grant(u, tree.yuzhong, "staff")
        officers.append(u)
    results = race(
        OFFICERS,
        lambda i: s.beneficiary_add(actor=officers[i], cycle=c.pk, file=f.pk, note=f"慰问{i}"),
    )
    return world, c, results


def test_one_household_once_per_cycle_under_a_rush(tree: Tree) -> None:
    _world, c, results = _rush(tree)
    assert outcomes(results) == ["Conflict"] * (OFFICERS - 1) + ["ok"], results
    assert all(r.code == "once_per_cycle" for r in results if isinstance(r, Conflict))
    assert Beneficiary.objects.filter(cycle_id=c.pk).count() == 1


def test_control_without_the_constraint_a_household_lands_twice(tree: Tree) -> None:
    """CONTROL: the same race with the unique constraint dropped. The service's own check runs
    before each insert, yet more than one officer's insert goes through."""
    constraint = next(x for x in Beneficiary._meta.constraints if x.name == "assistance_once_per_cycle")
    with connection.schema_editor() as editor:
        editor.remove_constraint(Beneficiary, constraint)
    try:
        _world, c, results = _rush(tree)
        rows = Beneficiary.objects.filter(cycle_id=c.pk).count()
        assert rows > 1, results
        assert outcomes(results).count("ok") == rows
    finally:
        Beneficiary.objects.all().delete()
        with connection.schema_editor() as editor:
            editor.add_constraint(Beneficiary, constraint)


def _pay_race(tree: Tree, settings: Any) -> tuple[Any, list[Any]]:
    settings.FUNDS_SECOND_APPROVAL_FEN = 10**12
    world = build_world(tree)
    for _ in range(5):
        active_file(tree.store, income_fen=LINE - 1)
    c = cycle(world)
    s.cycle_build(actor=tree.yz_staff, cycle=c)
    s.cycle_submit(actor=tree.yz_staff, cycle=c)
    s.cycle_approve(actor=world.chair, cycle=c)
    second = UserFactory()
    grant(second, tree.yuzhong, "finance")
    officers = [world.finance, second]
    return c, race(2, lambda i: s.cycle_pay(actor=officers[i], cycle=c.pk))


@pytest.mark.parametrize("path", ["set", "rows"])
def test_two_finance_officers_paying_one_cycle_pay_it_once(tree: Tree, settings: Any, path: str) -> None:
    settings.ASSISTANCE_PAY_PATH = path
    c, results = _pay_race(tree, settings)
    assert outcomes(results) == ["Conflict", "ok"], results
    conflict = next(r for r in results if isinstance(r, Conflict))
    assert conflict.code == "cycle_status", conflict
    assert PayoutBatch.objects.count() == 1
    assert PayoutLine.objects.count() == 5
    assert LedgerEntry.objects.filter(kind="budget_spend").count() == 5
    commitment = Commitment.objects.get(pk=CampaignCycle.objects.get(pk=c.pk).commitment_id)
    assert (commitment.reserved_fen, commitment.status) == (0, Commitment.Status.CLOSED)
    assert set(Beneficiary.objects.filter(cycle_id=c.pk).values_list("status", flat=True)) == {"sent"}


def test_control_without_the_cycle_lock_the_second_officer_gets_no_clear_conflict(
    tree: Tree, settings: Any
) -> None:
    """CONTROL: the same race with the cycle read without its row lock (the test-only
    ``payments._UNLOCKED_PAY``): both officers find it frozen and both start a batch. The test above
    would fail: the second is stopped only later, by funds' own lock on the reservation (spent by
    then: 支出申请须为本工会已批准占用的申请), not by the clear 409 on the cycle — still one payment,
    the reservation being the second guard."""
    from yugong.assistance.services import payments

    settings.ASSISTANCE_PAY_PATH = "set"
    payments._UNLOCKED_PAY = True
    try:
        _c, results = _pay_race(tree, settings)
    finally:
        payments._UNLOCKED_PAY = False
    assert outcomes(results) == ["ValidationFailed", "ok"], results
    assert PayoutBatch.objects.count() == 1
