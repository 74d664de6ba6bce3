"""Roll-ups against a brute-force count: random trees, facts, people, moves and merges."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers import UserFactory, assert_max_queries, grant, make_union
from yugong.cockpit import periods, rollup, selectors
from yugong.cockpit.models import MonthRollup
from yugong.core.facts import fact_person, fact_record
from yugong.core.metrics import get_metric
from yugong.orgs.models import Union
from yugong.orgs.services import union_merge, union_move

SUM = "members.approved"
PEOPLE = "members.people_joined"
Y2023 = periods.year(2023)
Y2024 = periods.year(2024)

op = st.one_of(
    st.tuples(st.just("fact"), st.integers(0, 30), st.integers(0, 700), st.integers(1, 5)),
    st.tuples(st.just("person"), st.integers(0, 30), st.integers(0, 700), st.integers(1, 6)),
    st.tuples(st.just("move"), st.integers(0, 30), st.integers(0, 30), st.just(0)),
    st.tuples(st.just("merge"), st.integers(0, 30), st.integers(0, 30), st.just(0)),
)


def _ancestors(u: Union, by_id: dict[int, Union]) -> set[int]:
    out = set()
    node: Union | None = u
    while node is not None:
        out.add(node.pk)
        node = by_id.get(node.parent_id) if node.parent_id else None
    return out


@pytest.mark.django_db
@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(parents=st.lists(st.integers(0, 100), min_size=2, max_size=9), ops=st.lists(op, max_size=25))
def test_rollups_match_brute_force(parents: list[int], ops: list[tuple[str, int, int, int]]) -> None:
    root = make_union(None)
    nodes = [root]
    for p in parents:
        nodes.append(make_union(nodes[p % len(nodes)], kind="district"))
    actor = UserFactory()
    grant(actor, root, "chair")
    start = dt.date(2023, 1, 1)
    events: list[
        tuple[int, dt.date, int, set[int], str, int]
    ] = []  # union, day, value, ancestors, kind, person

    def fresh() -> dict[int, Union]:
        return {u.pk: u for u in Union.objects.filter(path__startswith=root.path)}

    for kind, a, b, v in ops:
        by_id = fresh()
        live = [u for u in by_id.values() if u.status == Union.Status.ACTIVE]
        ua = live[a % len(live)]
        day = start + dt.timedelta(days=b)
        if kind == "fact":
            fact_record(metric=SUM, union_id=ua.pk, value=v, day=day)
            events.append((ua.pk, day, v, _ancestors(ua, by_id), "sum", 0))
        elif kind == "person":
            fact_person(metric=PEOPLE, union_id=ua.pk, person_id=v, day=day)
            events.append((ua.pk, day, 1, _ancestors(ua, by_id), "person", v))
        else:
            ub = live[b % len(live)]
            if ua.parent_id is None or ub.path.startswith(ua.path) or ub.pk == ua.parent_id:
                continue
            if kind == "move":
                union_move(actor=actor, union=ua, new_parent=ub)
            else:
                union_merge(actor=actor, union=ua, into=ub)
            actor = type(actor).objects.get(pk=actor.pk)

    by_id = fresh()

    def now_ancestors(union_id: int) -> set[int]:
        u = by_id[union_id]
        if u.merged_into_id:
            u = by_id[u.merged_into_id]
        return _ancestors(u, by_id)

    m_sum, m_people = get_metric(SUM), get_metric(PEOPLE)
    for node in by_id.values():
        for period in (Y2023, Y2024, periods.parse("2023-Q2"), periods.parse("2024-03")):

            def inside(d: dt.date, period: Any = period) -> bool:
                return period.start <= d <= period.end

            stood = sum(v for u, d, v, anc, k, _p in events if k == "sum" and node.pk in anc and inside(d))
            stands = sum(
                v
                for u, d, v, anc, k, _p in events
                if k == "sum" and node.pk in now_ancestors(u) and inside(d)
            )
            people = len(
                {p for u, d, v, anc, k, p in events if k == "person" and node.pk in anc and inside(d)}
            )
            assert selectors.metric_value(node, m_sum, period) == stood
            assert selectors.metric_value(node, m_sum, period, mode="stands") == stands
            assert selectors.metric_value(node, m_people, period) == people
            summary = selectors.node_summary(node, period, metrics=[m_sum, m_people])
            assert summary == {SUM: stood, PEOPLE: people}
        # the children ranking (as it stood) adds up to the node's figure
        rows = selectors.children_ranking(node, m_sum, Y2023)
        assert sum(r.value for r in rows) == selectors.metric_value(node, m_sum, Y2023)
        # the trend adds up to the year
        assert sum(v for _m, v in selectors.trend(node, m_sum, Y2023)) == selectors.metric_value(
            node, m_sum, Y2023
        )

    # The monthly roll-up, rebuilt from the facts, answers the same (whole months, as it stood).
    rollup.rebuild(start=dt.date(2023, 1, 1), end=dt.date(2024, 12, 31))
    with override_settings(COCKPIT_ROLLUP=True):
        for node in by_id.values():
            for period in (Y2023, Y2024, periods.parse("2023-Q2")):
                stood = sum(
                    v
                    for u, d, v, anc, k, _p in events
                    if k == "sum" and node.pk in anc and period.start <= d <= period.end
                )
                assert selectors.metric_value(node, m_sum, period) == stood
                assert selectors.node_summary(node, period, metrics=[m_sum])[SUM] == stood
            rolled_rows = {r.union_id: r.value for r in selectors.children_ranking(node, m_sum, Y2023)}
            rolled_trend = selectors.trend(node, m_sum, Y2023)
            with override_settings(COCKPIT_ROLLUP=False):
                assert {
                    r.union_id: r.value for r in selectors.children_ranking(node, m_sum, Y2023)
                } == rolled_rows
                assert selectors.trend(node, m_sum, Y2023) == rolled_trend


@pytest.mark.django_db
def test_distinct_people_are_counted_once_across_the_subtree():
    city = make_union(None)
    d = make_union(city, kind="district")
    a, b = make_union(d), make_union(d)
    day = dt.date(2023, 5, 1)
    # person 1 joins a and b (two memberships), person 2 joins a twice on two days
    fact_person(metric=PEOPLE, union_id=a.pk, person_id=1, day=day)
    fact_person(metric=PEOPLE, union_id=b.pk, person_id=1, day=day)
    fact_person(metric=PEOPLE, union_id=a.pk, person_id=2, day=day)
    fact_person(metric=PEOPLE, union_id=a.pk, person_id=2, day=day + dt.timedelta(days=9))
    fact_person(metric=PEOPLE, union_id=a.pk, person_id=2, day=day)  # idempotent
    m = get_metric(PEOPLE)
    assert selectors.metric_value(a, m, Y2023) == 2
    assert selectors.metric_value(b, m, Y2023) == 1
    assert selectors.metric_value(d, m, Y2023) == 2  # not 3: never summed from children
    assert selectors.metric_value(city, m, Y2023) == 2
    ranking = {r.union_id: r.value for r in selectors.children_ranking(d, m, Y2023)}
    assert ranking == {a.pk: 2, b.pk: 1}


@pytest.mark.django_db
def test_as_it_stood_after_a_move():
    city = make_union(None)
    d1, d2 = make_union(city, kind="district"), make_union(city, kind="district")
    u = make_union(d1)
    leaf = make_union(u, kind="branch")
    fact_record(metric=SUM, union_id=leaf.pk, value=7, day=dt.date(2023, 6, 1))
    chair = UserFactory()
    grant(chair, city, "chair")
    union_move(actor=chair, union=u, new_parent=d2)
    fact_record(metric=SUM, union_id=leaf.pk, value=3, day=dt.date(2024, 2, 1))
    m = get_metric(SUM)
    u.refresh_from_db()
    leaf.refresh_from_db()
    # as it stood: last year's 7 stays with d1; this year's 3 is d2's
    assert selectors.metric_value(d1, m, Y2023) == 7
    assert selectors.metric_value(d2, m, Y2023) == 0
    assert selectors.metric_value(d2, m, Y2024) == 3
    assert selectors.metric_value(d1, m, Y2024) == 0
    # the moved union and its leaf keep their whole history
    assert selectors.metric_value(u, m, Y2023) == 7
    assert selectors.metric_value(leaf, m, Y2023) == 7
    # as it stands: everything under today's parent
    assert selectors.metric_value(d2, m, Y2023, mode="stands") == 7
    assert selectors.metric_value(d1, m, Y2023, mode="stands") == 0
    # d1's 2023 ranking still shows u, marked as moved away
    rows = selectors.children_ranking(d1, m, Y2023)
    assert [(r.union_id, r.value, r.current) for r in rows if r.value] == [(u.pk, 7, False)]


@pytest.mark.django_db
@pytest.mark.parametrize("width", [3, 30])
def test_query_counts_stay_flat_as_the_tree_grows(width):
    city = make_union(None)
    for i in range(width):
        d = make_union(city, kind="district")
        g = make_union(d)
        fact_record(metric=SUM, union_id=g.pk, value=i + 1, day=dt.date(2023, 3, 1))
        fact_person(metric=PEOPLE, union_id=g.pk, person_id=i, day=dt.date(2023, 3, 1))
    m = get_metric(SUM)
    with assert_max_queries(4):
        selectors.node_summary(city, Y2023)
    with assert_max_queries(3):
        assert len(selectors.children_ranking(city, m, Y2023)) == width
    with assert_max_queries(2):
        selectors.trend(city, m, Y2023)


@pytest.mark.django_db
def test_rollup_folded_through_events_equals_a_rebuild(with_rollup):
    city = make_union(None)
    d1, d2 = make_union(city, kind="district"), make_union(city, kind="district")
    u = make_union(d1)
    chair = UserFactory()
    grant(chair, city, "chair")
    fact_record(metric=SUM, union_id=u.pk, value=4, day=dt.date(2023, 1, 9))
    fact_record(metric=SUM, union_id=u.pk, value=2, day=dt.date(2023, 1, 20), dim="rider")
    fact_record(
        metric="stations.created", union_id=u.pk, value=1, day=dt.date(2023, 2, 1), dim="kind:harbour"
    )
    fact_record(
        metric="stations.created", union_id=u.pk, value=1, day=dt.date(2023, 2, 1), dim="district:渝中区"
    )
    rollup.fold()  # what the cockpit.refresh consumer runs
    union_move(actor=chair, union=u, new_parent=d2)
    fact_record(metric=SUM, union_id=u.pk, value=5, day=dt.date(2023, 3, 1))
    rollup.fold()

    def snapshot() -> set[tuple[object, ...]]:
        return set(
            MonthRollup.objects.filter(prefix__startswith=city.path).values_list(
                "month", "prefix", "metric", "dim", "value"
            )
        )

    kept = snapshot()
    assert (dt.date(2023, 1, 1), city.path, SUM, "", 4) in kept
    rollup.rebuild(start=dt.date(2023, 1, 1), end=dt.date(2023, 12, 31))
    assert snapshot() == kept
    m = get_metric(SUM)
    assert selectors.metric_value(d1, m, Y2023) == 6 and selectors.metric_value(d2, m, Y2023) == 5
    assert selectors.metric_value(city, get_metric("stations.created"), Y2023) == 1  # by kind only
    ranking = {r.union_id: (r.value, r.current) for r in selectors.children_ranking(d1, m, Y2023)}
    assert ranking == {u.pk: (6, False)}


@pytest.mark.django_db
@pytest.mark.parametrize("width", [3, 30])
def test_rollup_reads_stay_flat(width, with_rollup):
    city = make_union(None)
    for i in range(width):
        g = make_union(make_union(city, kind="district"))
        fact_record(metric=SUM, union_id=g.pk, value=i + 1, day=dt.date(2023, 3, 1))
    rollup.rebuild(start=dt.date(2023, 1, 1), end=dt.date(2023, 12, 31))
    m = get_metric(SUM)
    with assert_max_queries(4):
        assert selectors.node_summary(city, Y2023)[SUM] == width * (width + 1) // 2
    with assert_max_queries(3):
        assert len(selectors.children_ranking(city, m, Y2023)) == width
    with assert_max_queries(2):
        selectors.trend(city, m, Y2023)
