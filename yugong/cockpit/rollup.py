"""The monthly roll-up (:class:`~yugong.cockpit.models.MonthRollup`): summed facts per month and per
ancestor as it stood, so that a city-wide figure reads a few hundred rows instead of every fact.

Writers pay nothing for it: a fact cell whose ``value`` differs from its ``folded`` (what the roll-up
already holds of it; a partial index keeps these cells at hand) is news. The cockpit's consumer of
the events outbox (``handlers.py``, ``refresh.py``) calls :func:`fold`, which claims the unfolded
cells, adds their difference to the rows of every ancestor and marks it folded — in one transaction,
so a fold delivered twice (or run by two workers at once) adds each difference once.

* :func:`fold` — fold what is new (bounded batches; returns how many cells it folded).
* :func:`rebuild` — recompute months from the facts (a change of a metric's declaration, a check).

The roll-up keeps every summed metric; levels (``latest``) and distinct people are not additive and
are always read from the facts (their cells are marked folded without adding anything).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db import connection, transaction
from django.db.models import F, Max, Q, Sum
from django.db.models.functions import Length, TruncMonth

from yugong.core.metrics import Aggregation, all_metrics, get_metric
from yugong.core.models import DailyFact
from yugong.orgs import tree

from .models import MonthRollup

FOLD_BATCH = 2000
# pg_advisory_xact_lock key: folds and rebuilds of the roll-up take turns (one at a time).
_LOCK_KEY = 0x636F636B  # "cock"


def summed(metric: str) -> bool:
    m = get_metric(metric)
    return m is not None and m.aggregation == Aggregation.SUM


def _take_turn() -> None:
    """Serialise folds and rebuilds (PostgreSQL; SQLite runs one writer at a time anyway)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])


def unfolded() -> bool:
    """Is anything waiting to be folded? (an index-only look at the partial index)"""
    return DailyFact.objects.filter(~Q(value=F("folded"))).exists()


def _as_date(value: dt.date | str) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


@transaction.atomic
def fold(*, batches: int = 25, batch_size: int = FOLD_BATCH) -> tuple[int, bool]:
    """Fold new facts into the roll-up: up to ``batches × batch_size`` cells. Returns (cells folded,
    whether more are waiting). Cells a writer holds locked right now are skipped: its commit asks
    for the next fold."""
    _take_turn()
    codes = {m.code for m in all_metrics() if m.aggregation == Aggregation.SUM}
    facts, table = DailyFact._meta.db_table, MonthRollup._meta.db_table
    skip = " FOR UPDATE SKIP LOCKED" if connection.features.has_select_for_update_skip_locked else ""
    upsert = (
        f"INSERT INTO {table} (month, prefix, metric, dim, parent, value) "  # noqa: S608
        "VALUES (%s, %s, %s, %s, %s, %s) "
        f"ON CONFLICT (month, prefix, metric, dim) DO UPDATE SET value = {table}.value + excluded.value"
    )
    done, more = 0, False
    with connection.cursor() as cursor:
        for _ in range(batches):
            cursor.execute(
                f"SELECT id, day, metric, dim, path, value - folded FROM {facts} "  # noqa: S608
                f"WHERE value <> folded ORDER BY id LIMIT %s{skip}",
                [batch_size],
            )
            rows = cursor.fetchall()
            if not rows:
                break
            sums: dict[tuple[dt.date, str, str, str], int] = defaultdict(int)
            for _pk, day, metric, dim, path, delta in rows:
                if metric not in codes or not path or not delta:
                    continue
                month = _as_date(day).replace(day=1)
                for prefix in tree.ancestor_paths(path):
                    sums[(month, prefix, metric, dim)] += int(delta)
            if sums:  # in key order: concurrent upserts of the same rows never wait on each other in a cycle
                cursor.executemany(
                    upsert, [(*key, tree.parent_of(key[1]), v) for key, v in sorted(sums.items()) if v]
                )
            cursor.executemany(
                f"UPDATE {facts} SET folded = folded + %s WHERE id = %s",  # noqa: S608
                [(int(delta), pk) for pk, _d, _m, _dim, _p, delta in rows],
            )
            done += len(rows)
            more = len(rows) == batch_size
            if not more:
                break
    return done, more


def _month_end(month: dt.date) -> dt.date:
    return (month + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)


@transaction.atomic
def rebuild(*, start: dt.date, end: dt.date) -> int:
    """Recompute the months from ``start`` to ``end`` (whole months) from the facts. Returns rows.

    The facts of those months are first marked folded (which locks them: a writer adding to one
    waits for this transaction), then the roll-up is recomputed from what was marked; a cell
    inserted meanwhile stays unfolded and the next :func:`fold` takes it. Set-based: one
    ``INSERT … SELECT … GROUP BY`` per tree level, in the database (a year of a city of 100,000
    unions is tens of millions of rows; none of them passes through Python)."""
    _take_turn()
    first, last = start.replace(day=1), _month_end(end.replace(day=1))
    codes = [m.code for m in all_metrics() if m.aggregation == Aggregation.SUM]
    in_range = DailyFact.objects.filter(day__gte=first, day__lte=last)
    in_range.filter(~Q(value=F("folded"))).update(folded=F("value"))
    MonthRollup.objects.filter(month__gte=first, month__lte=last).delete()
    facts = in_range.filter(metric__in=codes).exclude(path="")
    deepest = facts.aggregate(n=Max(Length("path")))["n"] or 0
    table = MonthRollup._meta.db_table
    made = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # one big hash aggregate per level, not spilled to disk
            cursor.execute("SET LOCAL work_mem = '256MB'")
        for k in range(1, tree.levels(deepest) + 1):
            qs = (
                facts.annotate(plen=Length("path"))
                .filter(plen__gte=tree.level_length(k))
                .annotate(
                    m=TruncMonth("day"),
                    p=tree.prefix_expr("path", k),
                    up=tree.prefix_expr("path", k - 1),
                )
                .values("m", "p", "up", "metric", "dim")
                .annotate(v=Sum("folded"))
                .order_by()
            )
            sql, params = qs.query.sql_with_params()
            cursor.execute(
                f"INSERT INTO {table} (month, prefix, parent, metric, dim, value) "  # noqa: S608
                f"SELECT agg.m, agg.p, agg.up, agg.metric, agg.dim, agg.v FROM ({sql}) agg",
                params,
            )
            made += max(cursor.rowcount, 0)
    return made
