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
from yugong.assistance.models import Beneficiary
from yugong.core.errors import Conflict

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
