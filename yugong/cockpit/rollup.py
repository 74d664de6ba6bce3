"""The monthly roll-up (:class:`~yugong.cockpit.models.MonthRollup`): summed facts per month and per
ancestor as it stood, so that a city-wide figure reads a few hundred rows instead of every fact.

* :func:`apply` — after commit, a recorded count adds its value to the rows of every ancestor of its
  union (one INSERT … SELECT … ON CONFLICT DO UPDATE: an atomic increment, safe under concurrency).
* :func:`rebuild` — recompute months from the facts (bulk loads that bypass the services, a crash
  between a commit and its after-commit hook, or a change of a metric's declaration).

The roll-up keeps every summed metric; levels (``latest``) and distinct people are not additive and
are always read from the facts.
"""

from __future__ import annotations

import datetime as dt

from django.db import connection, transaction
from django.db.models import Max, Sum
from django.db.models.functions import Length, Substr, TruncMonth

from yugong.core.facts import FactCell
from yugong.core.metrics import Aggregation, get_metric
from yugong.core.models import DailyFact
from yugong.orgs.models import PATH_STEP, Union

from .models import MonthRollup

# Every level a path can have (path is a CharField of 9-character steps).
_LEVELS = int(Union._meta.get_field("path").max_length or 255) // PATH_STEP
_DEPTHS = " UNION ALL ".join(f"SELECT {k} AS k" for k in range(1, _LEVELS + 1))


def summed(metric: str) -> bool:
    m = get_metric(metric)
    return m is not None and m.aggregation == Aggregation.SUM


def apply(cell: FactCell) -> None:
    if not cell.add or not cell.value or not summed(cell.metric):
        return
    table, unions = MonthRollup._meta.db_table, Union._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (month, prefix, metric, dim, value) "  # noqa: S608
            f"SELECT %s, SUBSTR(u.path, 1, {PATH_STEP} * d.k), %s, %s, %s FROM {unions} u, ({_DEPTHS}) d "
            f"WHERE u.id = %s AND LENGTH(u.path) >= {PATH_STEP} * d.k "
            f"ON CONFLICT (month, prefix, metric, dim) DO UPDATE SET value = {table}.value + excluded.value",
            [cell.day.replace(day=1), cell.metric, cell.dim, cell.value, cell.union_id],
        )


def _month_end(month: dt.date) -> dt.date:
    return (month + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)


@transaction.atomic
def rebuild(*, start: dt.date, end: dt.date) -> int:
    """Recompute the months from ``start`` to ``end`` (whole months) from the facts. Returns rows."""
    from yugong.core.metrics import all_metrics

    first, last = start.replace(day=1), _month_end(end.replace(day=1))
    codes = [m.code for m in all_metrics() if m.aggregation == Aggregation.SUM]
    MonthRollup.objects.filter(month__gte=first, month__lte=last).delete()
    facts = DailyFact.objects.filter(day__gte=first, day__lte=last, metric__in=codes).exclude(path="")
    deepest = facts.aggregate(n=Max(Length("path")))["n"] or 0
    made = 0
    for k in range(1, deepest // PATH_STEP + 1):
        qs = (
            facts.annotate(plen=Length("path"))
            .filter(plen__gte=PATH_STEP * k)
            .annotate(m=TruncMonth("day"), p=Substr("path", 1, PATH_STEP * k))
            .values("m", "p", "metric", "dim")
            .annotate(v=Sum("value"))
            .order_by()
        )
        rows = [
            MonthRollup(month=r["m"], prefix=r["p"], metric=r["metric"], dim=r["dim"], value=r["v"])
            for r in qs.iterator(chunk_size=5000)
        ]
        MonthRollup.objects.bulk_create(rows, batch_size=5000)
        made += len(rows)
    return made
