"""Count at the source (principle 4): modules call :func:`fact_record` in the same transaction as
the event (a membership approved, an order paid, an appeal closed). One row per day, union node,
metric and dimension; the increment is a single upsert, safe under concurrency on PostgreSQL and
SQLite alike (``INSERT ... ON CONFLICT DO UPDATE SET value = value + excluded.value``).

Each cell also keeps the union's tree path *as it stood* when the fact happened (read inside the
same INSERT by a sub-select registered by the app that owns the tree, :func:`register_path_source`:
no extra query), so a union moved or merged later does not rewrite past roll-ups.

:func:`fact_person` records one person for a distinct-people metric (unit 人): counted once across
a subtree and a period, never summed from children.

:func:`on_facts_committed` registers a listener called after commit with each recorded fact, a
:class:`FactCell` (the cockpit drops its cached figures and keeps its monthly roll-up there).

**Buffered facts** (``buffered=True``, for a hot write path): every admission at a gate adds 1 to the
same union's day cell, and an upsert holds that cell's row lock until its transaction commits (a
synchronous commit: a WAL flush), so concurrent writers queue on it one after another. A buffered
fact is appended to :class:`~yugong.core.models.FactBuffer` instead (an INSERT that waits for
nobody); :func:`fact_buffer_drain` adds the waiting rows to their cells, summed, in one statement,
off the request path (the cockpit's refresh drains before it folds; the periodic refresh catches
the rest). :func:`fact_total` counts the buffer too, so a reader of totals sees a buffered fact at
once; the cockpit's figures see it after the next refresh, as they see any fact.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.db import connection, transaction

from .models import DailyFact, FactBuffer, PersonFact
from .timeutil import local_today

# "(SELECT path FROM <tree table> WHERE id = %s)", set by the tree's owner; "" when none registered.
_path_sql: list[str] = []
# Set by :func:`facts_dated` (loading a past year's data through the services' own paths).
_fact_day: contextvars.ContextVar[dt.date | None] = contextvars.ContextVar("yugong_fact_day", default=None)


@dataclass(frozen=True)
class FactCell:
    """What a listener learns after commit: one recorded fact (``add``: a count added; else a level set)."""

    day: dt.date
    union_id: int
    metric: str
    dim: str
    value: int
    add: bool


_listeners: list[Callable[[FactCell], None]] = []


def register_path_source(*, table: str, id_column: str = "id", path_column: str = "path") -> None:
    """Where a union's current path is read when a fact is written (the cockpit registers the orgs
    tree from its ``AppConfig.ready``; core imports no domain app)."""
    for name in (table, id_column, path_column):
        if not name.replace("_", "").isalnum():
            raise ValueError(f"bad SQL identifier {name!r}")
    _path_sql[:] = [f"(SELECT {path_column} FROM {table} WHERE {id_column} = %s)"]  # noqa: S608


def on_facts_committed(fn: Callable[[FactCell], None]) -> Callable[[FactCell], None]:
    if fn not in _listeners:  # ready() may run more than once (tests)
        _listeners.append(fn)
    return fn


def _run_listeners(cell: FactCell) -> None:
    for fn in list(_listeners):
        fn(cell)


def _notify(cell: FactCell) -> None:
    """After commit (at once outside a transaction) tell the listeners. Listeners must be cheap
    (the cockpit bumps a cache counter and adds the value to its monthly roll-up: one statement);
    one callback per fact keeps savepoint rollbacks exact."""
    if _listeners:
        transaction.on_commit(partial(_run_listeners, cell))


@contextlib.contextmanager
def facts_dated(day: dt.date) -> Iterator[None]:
    """Facts recorded without an explicit day inside this block land on ``day`` (seeding or
    back-loading a past period through the apps' own write paths; a fact given ``day=`` keeps it)."""
    token = _fact_day.set(day)
    try:
        yield
    finally:
        _fact_day.reset(token)


def _day(day: dt.date | None) -> dt.date:
    return day or _fact_day.get() or local_today()


def _path_expr(union_id: int) -> tuple[str, list[Any]]:
    if _path_sql:
        return f"COALESCE({_path_sql[0]}, '')", [union_id]
    return "''", []


def _cell_sql(*, add: bool, values: str, buffered: bool = False) -> str:
    """The one INSERT that adds to (or sets) a day's cell, or appends to the buffer; ``values`` is
    its VALUES list or SELECT over the caller's rows."""
    if buffered:
        if not add:
            raise ValueError("a level (fact_set) cannot be buffered: only counts add up")
        table = FactBuffer._meta.db_table
        return f"INSERT INTO {table} (day, union_id, metric, dim, value, path) {values}"  # noqa: S608
    table = DailyFact._meta.db_table
    new_value = f"{table}.value + excluded.value" if add else "excluded.value"
    return (
        f"INSERT INTO {table} (day, union_id, metric, dim, value, path) {values} "  # noqa: S608
        f"ON CONFLICT (day, union_id, metric, dim, path) DO UPDATE SET value = {new_value}"
    )


def _upsert(
    *,
    metric: str,
    union_id: int,
    value: int,
    dim: str,
    day: dt.date | None,
    add: bool,
    buffered: bool = False,
) -> None:
    if not metric or union_id is None:
        raise ValueError("a fact needs a metric and a union node")
    path_sql, path_params = _path_expr(union_id)
    day = _day(day)
    with connection.cursor() as cursor:
        cursor.execute(
            _cell_sql(add=add, values=f"VALUES (%s, %s, %s, %s, %s, {path_sql})", buffered=buffered),
            [day, union_id, metric, dim, value, *path_params],
        )
    _notify(FactCell(day=day, union_id=union_id, metric=metric, dim=dim, value=value, add=add))


def fact_record_sql(
    *,
    metric: str,
    source: str,
    union_id: int | None = None,
    union_sql: str | None = None,
    value: int = 1,
    value_sql: str | None = None,
    dim: str = "",
    dim_sql: str | None = None,
    day: dt.date | None = None,
    buffered: bool = False,
) -> tuple[str, dict[str, Any]]:
    """:func:`fact_record` as SQL for a fast path that writes its fact inside its own statement (a
    data-modifying CTE): the INSERT … ON CONFLICT and its named parameters (``fact_*``), one row per
    row of ``source`` (a CTE name or a join of them, "ok, m": the fact is written only when those
    wrote something).

    The union node, the value and the dimension are each a Python value (``union_id``, ``value``,
    ``dim``: passed as parameters) or a SQL expression over the ``source`` rows (``union_sql``,
    ``value_sql``, ``dim_sql``, e.g. ``"ok.union_id"``) when only the statement knows them. The
    caller runs the statement, then :func:`fact_recorded` with the parameters (and what the
    statement returned for the SQL ones) to tell the listeners. ``buffered``: appended to the
    buffer instead of upserted into the cell (a hot path; see the module's docstring)."""
    if not metric or (union_id is None and union_sql is None):
        raise ValueError("a fact needs a metric and a union node")
    params: dict[str, Any] = {"fact_day": _day(day), "fact_metric": metric}
    if union_sql is None:
        union_sql, params["fact_union"] = "%(fact_union)s::bigint", union_id
    if value_sql is None:
        value_sql, params["fact_value"] = "%(fact_value)s::bigint", value
    if dim_sql is None:
        dim_sql, params["fact_dim"] = "%(fact_dim)s::text", dim
    path_sql = f"COALESCE({_path_sql[0].replace('%s', union_sql)}, '')" if _path_sql else "''"
    sql = _cell_sql(
        add=True,
        buffered=buffered,
        values=(
            f"SELECT %(fact_day)s::date, {union_sql}, %(fact_metric)s::text, {dim_sql}, {value_sql}, "  # noqa: S608
            f"{path_sql} FROM {source}"
        ),
    )
    return sql, params


def fact_recorded(
    params: dict[str, Any], *, union_id: int | None = None, value: int | None = None, dim: str | None = None
) -> None:
    """After a statement from :func:`fact_record_sql` wrote the fact: tell the listeners as
    :func:`fact_record` does. ``union_id``, ``value`` and ``dim`` are the row's values where the
    statement computed them (the ``*_sql`` arguments); the rest come from ``params``."""
    _notify(
        FactCell(
            day=params["fact_day"],
            union_id=union_id if union_id is not None else params["fact_union"],
            metric=params["fact_metric"],
            dim=dim if dim is not None else params["fact_dim"],
            value=value if value is not None else params["fact_value"],
            add=True,
        )
    )


def fact_person(*, metric: str, union_id: int, person_id: int, day: dt.date | None = None) -> None:
    """A person counted for a distinct-people metric (e.g. a member who joined) at ``union_id`` on
    ``day``. Idempotent: the same person, union and day is one row however often it is recorded."""
    fact_people(metric=metric, union_id=union_id, person_ids=[person_id], day=day)


def fact_people(*, metric: str, union_id: int, person_ids: Iterable[int], day: dt.date | None = None) -> None:
    """:func:`fact_person` for many people at one union (bulk imports): one statement per 500."""
    ids = sorted({int(p) for p in person_ids})
    if not metric or union_id is None:
        raise ValueError("a fact needs a metric and a union node")
    if not ids:
        return
    day = _day(day)
    table = PersonFact._meta.db_table
    path_sql, path_params = _path_expr(union_id)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        rows = ", ".join([f"(%s, %s, %s, %s, {path_sql})"] * len(chunk))
        params: list[Any] = []
        for pid in chunk:
            params += [day, union_id, metric, pid, *path_params]
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (day, union_id, metric, person_id, path) VALUES {rows} "  # noqa: S608
                "ON CONFLICT (metric, person_id, union_id, day) DO NOTHING",
                params,
            )
    _notify(FactCell(day=day, union_id=union_id, metric=metric, dim="", value=len(ids), add=False))


def fact_record(
    *,
    metric: str,
    union_id: int,
    value: int = 1,
    dim: str = "",
    day: dt.date | None = None,
    buffered: bool = False,
) -> None:
    """Something countable happened: add ``value`` to the day's cell (``buffered``: append it to the
    buffer, drained into the cell later — for a hot path whose writers share a cell)."""
    _upsert(metric=metric, union_id=union_id, value=value, dim=dim, day=day, add=True, buffered=buffered)


def fact_set(*, metric: str, union_id: int, value: int, dim: str = "", day: dt.date | None = None) -> None:
    """A level rather than a count (a coverage share, a queue length): the day's cell holds the
    latest value measured that day instead of a sum."""
    _upsert(metric=metric, union_id=union_id, value=value, dim=dim, day=day, add=False)


def fact_total(
    *,
    metric: str,
    union_ids: list[int] | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    dim: str | None = None,
) -> int:
    """The sum of ``metric``'s counts, the buffered ones included."""
    from django.db.models import Sum

    total = 0
    for model in (DailyFact, FactBuffer):
        qs = model.objects.filter(metric=metric)
        if union_ids is not None:
            qs = qs.filter(union_id__in=union_ids)
        if start:
            qs = qs.filter(day__gte=start)
        if end:
            qs = qs.filter(day__lte=end)
        if dim is not None:
            qs = qs.filter(dim=dim)
        total += int(qs.aggregate(total=Sum("value"))["total"] or 0)
    return total


# --- The buffer ----------------------------------------------------------------------------

FACT_BUFFER_DRAIN = 50_000  # rows per drain: a backlog goes in several short transactions

_CELL_KEY = "day, union_id, metric, dim, path"


def fact_buffered() -> bool:
    """Does anything wait in the buffer? (one index probe)"""
    return FactBuffer.objects.exists()


def fact_buffer_drain(*, limit: int = FACT_BUFFER_DRAIN) -> tuple[int, bool]:
    """Add up to ``limit`` buffered rows to their day cells (summed per cell) and delete them, in one
    transaction. Returns (rows drained, whether more wait). Rows another drain holds are skipped
    (PostgreSQL: ``FOR UPDATE SKIP LOCKED``), so two drains at once never add a row twice. The cells
    get ``value`` raised and ``folded`` untouched: the cockpit's next fold sees them as news."""
    buffer = FactBuffer._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One statement: take the oldest rows, delete them, add their sums to the cells (in key
            # order, so two drains never wait on each other in a cycle).
            cursor.execute(
                f"WITH moved AS (DELETE FROM {buffer} WHERE id IN ("  # noqa: S608
                f"    SELECT id FROM {buffer} ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED)"
                f"  RETURNING {_CELL_KEY}, value"
                f"), summed AS (SELECT {_CELL_KEY}, SUM(value) AS value, COUNT(*) AS n FROM moved"
                f"  GROUP BY {_CELL_KEY}"
                f"), added AS ("
                + _cell_sql(
                    add=True,
                    values=f"SELECT day, union_id, metric, dim, value, path FROM summed ORDER BY {_CELL_KEY}",  # noqa: S608
                )
                + ") SELECT COALESCE(SUM(n), 0) FROM summed",
                [limit],
            )
            done = int(cursor.fetchone()[0])
        else:  # SQLite: one writer at a time; read, add, delete in the transaction
            cursor.execute(
                f"SELECT id, {_CELL_KEY}, value FROM {buffer} ORDER BY id LIMIT %s",  # noqa: S608
                [limit],
            )
            rows = cursor.fetchall()
            sums: dict[tuple[Any, ...], int] = {}
            for _pk, day, union_id, metric, dim, path, value in rows:
                key = (day, union_id, metric, dim, path)
                sums[key] = sums.get(key, 0) + int(value)
            if sums:
                cursor.executemany(
                    _cell_sql(add=True, values="VALUES (%s, %s, %s, %s, %s, %s)"),
                    [(d, u, m, dim, v, p) for (d, u, m, dim, p), v in sorted(sums.items())],
                )
                ids = [r[0] for r in rows]
                for start in range(0, len(ids), 500):
                    chunk = ids[start : start + 500]
                    cursor.execute(
                        f"DELETE FROM {buffer} WHERE id IN ({', '.join(['%s'] * len(chunk))})",  # noqa: S608
                        chunk,
                    )
            done = len(rows)
    return done, done >= limit
