"""Writing a lottery draw: every entered sign-up's pool and outcome, from ``lottery.rank``.

``outcome`` is the one place the draw's rule lives on the database side: it reads the entered
sign-ups (one query), puts each in the pool of the deepest quota containing its union *as the quotas
stand at the draw* (``pool_resolver``), runs the pure draw over those columns and returns, per entry
in number order, its pool and its rank (0 = won, n = n-th on its pool's waiting list). Two writers
put that on the rows — the same values, one statement or many:

* ``write_one_statement`` (PostgreSQL, setting ``EVENTS_DRAW_ONE_STATEMENT``, default on): ONE
  ``UPDATE … FROM unnest(ids, pools, ranks)`` sets pool, ``in_draw``, status, waiting rank and
  ``won_at_draw`` of all 100,000 rows — each row is written once, and a pool that did not change
  leaves the foreign key alone (no deferred constraint check per row at commit);
* ``write_rows`` (any database): ORM updates, per pool for the winners and per row for the waiting
  list.

Both write only rows still ``entered`` and return how many they wrote; the caller refuses the draw
when that differs from the list it ranked (a withdrawal that slipped in between). The twin test
(``tests/test_draw_twins.py``) runs both on the same worlds and compares every row."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import connection

from . import lottery
from .models import Activity, Quota, SignUp

WON = 0  # the rank of a winner in ``Outcome.ranks``


@dataclass(frozen=True)
class Outcome:
    """The draw of one activity: ``result`` as ``lottery`` returns it, and the same per entry as
    three parallel columns in sign-up number order (what the writers put on the rows)."""

    result: lottery.Result
    numbers: list[int]
    pools: list[int]  # quota id, 0 for the organiser's own places
    ranks: list[int]  # WON, or the place on the pool's waiting list (1, 2, ...)

    @property
    def winners(self) -> int:
        return sum(len(ns) for ns in self.result.winners.values())


def pool_resolver(quotas: Iterable[Quota]) -> Callable[[str], int]:
    """The pool of a union path: the deepest quota containing it (0: the organiser's own places).
    Quota paths containing one path are prefixes of one another, so the longest is the deepest.
    Memoised per path: 100,000 entries come from a few thousand unions."""
    ordered = sorted(quotas, key=lambda q: len(q.union_path), reverse=True)
    memo: dict[str, int] = {}

    def pool(path: str) -> int:
        found = memo.get(path)
        if found is None:
            found = memo[path] = next((q.pk for q in ordered if path.startswith(q.union_path)), 0)
        return found

    return pool


def places_of(activity: Activity, quotas: Iterable[Quota]) -> dict[int, int]:
    """Places each pool draws: a quota's places not handed further down; 0 is the organiser's own."""
    places = {q.pk: q.own_places for q in quotas}
    places[0] = activity.places - activity.allocated
    return places


def outcome(activity: Activity, seed: str) -> Outcome:
    """Read the entered sign-ups, pool them and draw. Deterministic from the rows and the seed."""
    quotas = list(activity.quotas.all())
    rows = (
        SignUp.objects.filter(activity=activity, status=SignUp.Status.ENTERED)
        .order_by("id")
        .values_list("id", "union__path", "prior_wins")
    )
    pool = pool_resolver(quotas)
    numbers: list[int] = []
    pools: list[int] = []
    wins: list[int] = []
    for number, path, prior in rows:
        numbers.append(number)
        pools.append(pool(path))
        wins.append(prior)
    result = lottery.rank(
        seed=seed,
        activity_id=activity.pk,
        numbers=numbers,
        pools=pools,
        prior_wins=wins,
        places=places_of(activity, quotas),
        penalty_pct=activity.repeat_penalty_pct,
    )
    rank_of: dict[int, int] = {}
    for ns in result.winners.values():
        rank_of.update(dict.fromkeys(ns, WON))
    for ns in result.waiting.values():
        rank_of.update(zip(ns, range(1, len(ns) + 1), strict=True))
    return Outcome(result=result, numbers=numbers, pools=pools, ranks=[rank_of[n] for n in numbers])


def one_statement_applies() -> bool:
    return connection.vendor == "postgresql" and bool(getattr(settings, "EVENTS_DRAW_ONE_STATEMENT", True))


def write(out: Outcome) -> int:
    return write_one_statement(out) if one_statement_applies() else write_rows(out)


def _array(values: list[int]) -> str:
    """An integer column as one PostgreSQL array literal (``{1,2,3}``), cast in the statement: the
    driver adapting a Python list of 100,000 ints element by element took seconds (3 columns:
    3.4–5.7 s against 0.7–0.9 s for the literal on the loaded 2-core machine)."""
    return "{" + ",".join(map(str, values)) + "}"


def write_one_statement(out: Outcome) -> int:
    """PostgreSQL: every entry's pool and outcome in ONE UPDATE joined to the three columns."""
    if not out.numbers:
        return 0
    table = SignUp._meta.db_table
    sql = f"""
        UPDATE {table} AS s
        SET quota_id = NULLIF(v.pool, 0),
            in_draw = true,
            status = CASE WHEN v.rank = %(won)s THEN %(won_status)s ELSE %(waiting_status)s END,
            wait_rank = NULLIF(v.rank, %(won)s),
            won_at_draw = (v.rank = %(won)s)
        FROM unnest(%(numbers)s::bigint[], %(pools)s::bigint[], %(ranks)s::integer[]) AS v(id, pool, rank)
        WHERE s.id = v.id AND s.status = %(entered)s
    """  # noqa: S608 - the model's own table
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            {
                "won": WON,
                "won_status": SignUp.Status.WON.value,
                "waiting_status": SignUp.Status.WAITING.value,
                "entered": SignUp.Status.ENTERED.value,
                "numbers": _array(out.numbers),
                "pools": _array(out.pools),
                "ranks": _array(out.ranks),
            },
        )
        return int(cursor.rowcount)


_CHUNK = 500  # ids per ``IN`` list (SQLite's bound-parameter limit)


def write_rows(out: Outcome) -> int:
    """Any database: the winners per pool in chunks, each waiting entry on its own row."""
    entered = SignUp.objects.filter(status=SignUp.Status.ENTERED)
    written = 0
    for pool, numbers in out.result.winners.items():
        for start in range(0, len(numbers), _CHUNK):
            written += entered.filter(pk__in=numbers[start : start + _CHUNK]).update(
                quota_id=pool or None,
                in_draw=True,
                status=SignUp.Status.WON,
                wait_rank=None,
                won_at_draw=True,
            )
    for pool, numbers in out.result.waiting.items():
        for rank, number in enumerate(numbers, 1):
            written += entered.filter(pk=number).update(
                quota_id=pool or None,
                in_draw=True,
                status=SignUp.Status.WAITING,
                wait_rank=rank,
                won_at_draw=False,
            )
    return written
