"""The cockpit at scale: node summary, child ranking and a year's trend, for the city root and for a
district, through the API (cached, as leaders use it) and in-process without the cache (the roll-up
itself: what the first viewer after new facts pays).

The setup reuses the city of ``manage.py seed_city`` (made when missing, ``BENCH_COCKPIT_UNIONS``
unions, default 2,000) and writes a year (2023) of daily facts once. On PostgreSQL that is
``_cockpit_facts.seed_year`` (``BENCH_COCKPIT_METRICS`` metrics, default 60; each union records a
metric with probability ``BENCH_COCKPIT_SHARE`` 0.3 on about ``BENCH_COCKPIT_DAYS`` 8 days; the
member metrics from the city's own memberships), the roll-up by the cockpit's own ``rollup.rebuild``
and 20 unions moved through ``union_move``; elsewhere a small Python loop. The goal figure (100,000
unions, 5,000,000 members) runs against a dedicated database seeded once (README, "Benchmarks"):

    DB_STATEMENT_TIMEOUT_MS=0 DATABASE_URL=…/bench_city .venv/bin/python -m bench.scenarios.cockpit
    BENCH_DATABASE_URL=…/bench_city BENCH_MEMBERS=5000000 BENCH_APPEALS=1000000 \
        .venv/bin/python -m bench -s cockpit_summary_city,cockpit_children_city,cockpit_trend_city,\
cockpit_summary_district,cockpit_children_district,cockpit_trend_district -c 4   # and -c 32
"""

from __future__ import annotations

import datetime as dt
import os
import random
import sys
from typing import Any

from bench.registry import Auth, Ctx, Request, micro, scenario

DISTRICT_CODE = "CQ500112"  # 渝北区 in the generated city
PERIODS = ["2023", *(f"2023-Q{q}" for q in range(1, 5)), *(f"2023-{m:02d}" for m in range(1, 13))]
METRIC = "members.approved"
AUTH = Auth("bench_cockpit_city", staff=True)


def _env(name: str, default: int) -> int:
    return max(1, int(os.environ.get(name, str(default))))


def seed(ctx: Ctx) -> dict[str, Any]:
    from django.core.management import call_command
    from django.db import connection, transaction

    from yugong.core.metrics import Aggregation, all_metrics
    from yugong.core.models import DailyFact
    from yugong.orgs.models import RoleAssignment, Union

    root = Union.objects.filter(code="CQ", parent__isnull=True).first()
    if root is None:
        units = _env("BENCH_COCKPIT_UNIONS", 2000)
        call_command("seed_city", members=1000, unions=units, allow_existing=True, stdout=sys.stderr)
        root = Union.objects.get(code="CQ", parent__isnull=True)
    district = (
        Union.objects.filter(code=DISTRICT_CODE).first() or root.children.order_by("pk").first() or root
    )
    RoleAssignment.objects.get_or_create(user_id=ctx["auth_user_id"], union=root, role="viewer", active=True)
    codes = [m.code for m in all_metrics() if m.aggregation == Aggregation.SUM and m.total_dims == "*"]
    codes = [METRIC, *[c for c in codes if c != METRIC]][: _env("BENCH_COCKPIT_METRICS", 12)]
    year = dt.date(2023, 1, 1)
    cells = DailyFact.objects.filter(
        metric=METRIC, day__gte=year, day__lte=dt.date(2023, 12, 31), path__startswith=root.path
    ).exists()
    pg = connection.vendor == "postgresql"
    if not cells and pg:
        from ._cockpit_facts import seed_year

        got = seed_year(
            root_path=root.path,
            metrics=_env("BENCH_COCKPIT_METRICS", 60),
            days=_env("BENCH_COCKPIT_DAYS", 8),
            share=float(os.environ.get("BENCH_COCKPIT_SHARE", "0.3")),
        )
        print(f"cockpit: {got}", file=sys.stderr)
    elif not cells:
        rng = random.Random(16)  # noqa: S311 - benchmark data
        days = _env("BENCH_COCKPIT_DAYS", 24)
        leaves = list(
            Union.objects.filter(
                path__startswith=root.path, kind__in=["grassroots", "joint", "federation", "branch"]
            ).values_list("pk", "path")
        )
        batch: list[DailyFact] = []
        for pk, path in leaves:
            for code in codes:
                for d in rng.sample(range(365), days):
                    batch.append(
                        DailyFact(
                            day=year + dt.timedelta(days=d),
                            union_id=pk,
                            path=path,
                            metric=code,
                            value=rng.randint(1, 9),
                        )
                    )
                if len(batch) >= 20_000:
                    with transaction.atomic():
                        DailyFact.objects.bulk_create(batch, ignore_conflicts=True)
                    batch = []
        with transaction.atomic():
            DailyFact.objects.bulk_create(batch, ignore_conflicts=True)
        print(f"cockpit: {len(leaves)} unions x {len(codes)} metrics x {days} days of facts", file=sys.stderr)
    from yugong.cockpit import rollup
    from yugong.cockpit.models import MonthRollup

    if not MonthRollup.objects.filter(
        month__gte=year, month__lte=dt.date(2023, 12, 1), prefix=root.path
    ).exists():
        # bulk-inserted facts bypass the refresh: the cockpit's own rebuild, once
        if pg:
            from ._cockpit_facts import rebuild_year

            rows = rebuild_year(2023)
        else:
            rows = rollup.rebuild(start=dt.date(2023, 1, 1), end=dt.date(2023, 12, 31))
        print(f"cockpit: monthly roll-up rebuilt, {rows} rows", file=sys.stderr)
        if pg:
            _move_some(root)
    return {
        "root_id": root.pk,
        "district_id": district.pk,
        "unions": Union.objects.filter(path__startswith=root.path).count(),
    }


def _move_some(root: Any) -> int:
    """A few grassroots unions moved to a neighbouring district through the orgs service, after
    their year was recorded: their 2023 facts stay under the old district ("as it stood"; the
    cockpit's move hook keeps their old paths)."""
    from yugong.accounts.system import system_actor
    from yugong.orgs.models import Union
    from yugong.orgs.services import union_move

    districts = list(Union.objects.filter(parent=root, kind="district").order_by("pk")[:6])
    movable = list(
        Union.objects.filter(parent__in=districts, kind="grassroots", children__isnull=True).order_by("pk")[
            : _env("BENCH_COCKPIT_MOVES", 20)
        ]
    )
    actor = system_actor()
    first = [d.pk for d in districts]
    for u in movable:  # to the next of the six districts
        target = districts[(first.index(int(u.parent_id or 0)) + 1) % len(first)]
        union_move(actor=actor, union=u, new_parent=target)
    print(f"cockpit: {len(movable)} unions moved", file=sys.stderr)
    return len(movable)


def _node(ctx: Ctx, where: str) -> int:
    return int(ctx["root_id"] if where == "city" else ctx["district_id"])


for _where in ("city", "district"):

    def _summary(ctx: Ctx, i: int, where: str = _where) -> Request:
        return Request(
            "GET", f"/api/v1/cockpit/summary?node={_node(ctx, where)}&period={PERIODS[i % len(PERIODS)]}"
        )

    def _children(ctx: Ctx, i: int, where: str = _where) -> Request:
        p = PERIODS[i % len(PERIODS)]
        # the top 50 (the big screen's ranking; a district has thousands of grassroots unions)
        return Request(
            "GET", f"/api/v1/cockpit/children?node={_node(ctx, where)}&metric={METRIC}&period={p}&limit=50"
        )

    def _trend(ctx: Ctx, i: int, where: str = _where) -> Request:
        return Request("GET", f"/api/v1/cockpit/trend?node={_node(ctx, where)}&metric={METRIC}&period=2023")

    scenario(
        f"cockpit_summary_{_where}",
        f"GET /api/v1/cockpit/summary: every metric, period / previous / year ago, for the {_where} (cached)",
        setup=seed,
        auth=AUTH,
    )(_summary)
    scenario(
        f"cockpit_children_{_where}",
        f"GET /api/v1/cockpit/children?limit=50: the top child units by {METRIC} ({_where}, cached)",
        setup=seed,
        auth=AUTH,
    )(_children)
    scenario(
        f"cockpit_trend_{_where}",
        f"GET /api/v1/cockpit/trend: {METRIC} month by month over 2023 ({_where}, cached)",
        setup=seed,
        auth=AUTH,
    )(_trend)

    def _rollup(kind: str, where: str = _where) -> Any:
        def run(ctx: Ctx) -> Any:
            from yugong.cockpit import periods, selectors
            from yugong.core.metrics import get_metric
            from yugong.orgs.models import Union

            node = Union.objects.get(pk=_node(ctx, where))
            year = periods.year(2023)
            m = get_metric(METRIC)
            assert m is not None
            if kind == "summary":
                return selectors.node_summary(node, year)
            if kind == "children":
                return selectors.children_ranking(node, m, year)
            return selectors.trend(node, m, year)

        return run

    for _kind in ("summary", "children", "trend"):
        micro(
            f"cockpit_rollup_{_kind}_{_where}",
            f"in-process, no cache: the {_kind} roll-up over 2023 for the {_where} (the cost after new facts)",
            setup=seed,
            auth=AUTH,
            iterations=30,
            warmup_iterations=3,
        )(_rollup(_kind))


if __name__ == "__main__":  # python -m bench.scenarios.cockpit seed: the city's year, before a run
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yugong.settings")
    os.environ.setdefault("DB_STATEMENT_TIMEOUT_MS", "0")  # a data generator: long statements
    django.setup()
    from bench.djangoside import ensure_user

    user = ensure_user(AUTH.username, staff=True)
    print(seed({"auth_user_id": user.pk}))
