"""The metric registry: every code the code base records is declared by its app."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.utils.translation import gettext_lazy as _

from yugong.core import metrics
from yugong.core.metrics import Aggregation, Unit, all_metrics, get_metric, metric

ROOT = Path(__file__).resolve().parents[2]
# NoticeFlow (core.notice) records its ``metric`` per objection: its declarations are checked here and
# the generic recorder in core/notice.py, like facts.py, is skipped.
RECORDERS = {"fact_record", "fact_set", "fact_person", "fact_people", "NoticeFlow"}
GENERIC = {ROOT / "core" / "facts.py", ROOT / "core" / "notice.py"}


def _codes(node: ast.expr) -> list[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _codes(node.body) + _codes(node.orelse)
    raise AssertionError(f"metric code is not a literal: {ast.dump(node)}")


def recorded_codes() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for path in ROOT.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts or path in GENERIC:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for call in ast.walk(tree):
            if not isinstance(call, ast.Call):
                continue
            name = getattr(call.func, "id", None) or getattr(call.func, "attr", None)
            if name not in RECORDERS:
                continue
            for kw in call.keywords:
                if kw.arg == "metric":
                    for code in _codes(kw.value):
                        found.setdefault(code, []).append(f"{path.relative_to(ROOT)}:{call.lineno}")
    return found


def test_every_recorded_metric_is_declared():
    found = recorded_codes()
    assert len(found) > 30  # the scan sees the apps' calls
    missing = {code: where for code, where in found.items() if get_metric(code) is None}
    assert not missing, f"declare these in the recording app's metrics.py: {missing}"


def test_declarations_carry_unit_aggregation_and_app():
    for m in all_metrics():
        assert m.unit in Unit.values and m.aggregation in Aggregation.values and m.app
        assert str(m.name)
    assert get_metric("members.people_joined").distinct_people
    assert get_metric("stations.coverage_permille").aggregation == Aggregation.LATEST
    assert get_metric("tourism.paid_fen").in_fen


def test_bad_declarations_are_refused():
    with pytest.raises(ValueError, match="unit"):
        metric("x.bad_unit", _("坏"), unit="furlongs", app="x")
    with pytest.raises(ValueError, match="distinct"):
        metric("x.bad_distinct", _("坏"), unit=Unit.PERSON_TIMES, aggregation=Aggregation.DISTINCT, app="x")
    with pytest.raises(ValueError, match="rows_params"):
        metric("x.bad_rows", _("坏"), unit=Unit.ITEMS, app="x", rows_params={"q": "password"})
    with pytest.raises(ValueError, match="declared twice"):
        metric("members.approved", _("坏"), unit=Unit.ITEMS, app="other")
    assert all(not m.code.startswith("x.") for m in metrics.all_metrics())


@pytest.mark.django_db
def test_facts_dated_puts_undated_facts_on_the_day():
    import datetime as dt

    from yugong.core.facts import fact_person, fact_record, facts_dated
    from yugong.core.models import DailyFact, PersonFact

    with facts_dated(dt.date(2023, 3, 4)):
        fact_record(metric="members.approved", union_id=9)
        fact_record(metric="members.approved", union_id=9, day=dt.date(2023, 1, 1))
        fact_person(metric="members.people_joined", union_id=9, person_id=1)
    assert sorted(DailyFact.objects.values_list("day", flat=True)) == [
        dt.date(2023, 1, 1),
        dt.date(2023, 3, 4),
    ]
    assert PersonFact.objects.get().day == dt.date(2023, 3, 4)
