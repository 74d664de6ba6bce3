"""Roll-ups of core facts over the union tree (the cockpit's reads).

Two views of the tree:

* ``stood`` (as it stood, the default): a fact belongs to the node whose subtree held it *when it
  happened* — each fact keeps the union's path of that day, and each node keeps the paths it has had
  (:class:`~yugong.cockpit.models.NodePath`), so moving or merging a union never rewrites past
  figures: last year's district totals stay what they were.
* ``stands`` (as it stands): a fact belongs to the union's current place; a merged union's facts
  go with the union it was merged into.

Aggregations follow the metric registry: ``sum`` adds the day cells, ``latest`` takes each node's
last level in the period and adds those, ``distinct`` counts people once over the whole subtree and
period (``COUNT(DISTINCT person_id)`` on :class:`~yugong.core.models.PersonFact`, never a sum of
children). Every read is a fixed number of queries whatever the size of the tree.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, Length, TruncMonth

from yugong.core.metrics import Aggregation, Metric, all_metrics, get_metric
from yugong.core.models import DailyFact, PersonFact
from yugong.orgs import tree
from yugong.orgs.models import Union

from .models import MonthRollup, NodePath
from .periods import Period

MODES = ("stood", "stands")


def node_paths(node: Union, mode: str = "stood") -> list[str]:
    """The paths whose facts are the node's: its own, plus (as it stood) the ones it had before a
    move. One query for ``stood`` (once per node object), none for ``stands``."""
    if mode == "stands":
        return [node.path]
    # Remembered on the node object for the request (a screen asks once per metric).
    memo: dict[str, list[str]] = node.__dict__.setdefault("_cockpit_paths", {})
    if node.path not in memo:
        old = NodePath.objects.filter(union_id=node.pk).exclude(path=node.path).values_list("path", flat=True)
        memo[node.path] = [node.path, *sorted(set(old))]
    return list(memo[node.path])


def _prefix_q(paths: Sequence[str], field: str = "path") -> Q:
    q = Q()
    for p in paths:
        q |= Q(**{f"{field}__startswith": p})
    return q


def _current_path_expr() -> Any:
    """The union's current path, or the path of the union it was merged into (as it stands)."""
    from django.db.models import OuterRef, Subquery

    own = Union.objects.filter(pk=OuterRef("union_id"))
    return Coalesce(
        Subquery(own.values("merged_into__path")[:1]), Subquery(own.values("path")[:1]), Value("")
    )


def _base(
    model: type[DailyFact] | type[PersonFact], node: Union, paths: Sequence[str], mode: str
) -> QuerySet[Any]:
    qs = model.objects.all()
    if mode == "stands":
        inside = Union.objects.filter(
            Q(path__startswith=node.path, merged_into__isnull=True)
            | Q(merged_into__path__startswith=node.path)
        ).values("pk")
        return qs.filter(union_id__in=inside).annotate(at_path=_current_path_expr())
    return qs.filter(_prefix_q(paths)).annotate(at_path=F("path"))


def total_q(m: Metric) -> Q:
    """The cells of a metric that make its total (see ``Metric.total_dims``)."""
    if m.distinct_people or m.total_dims == "*":
        return Q(metric=m.code)
    if m.total_dims == "":
        return Q(metric=m.code, dim="")
    return Q(metric=m.code, dim__startswith=m.total_dims)


def _totals_q(metrics: Sequence[Metric]) -> Q:
    q = Q()
    for m in metrics:
        q |= total_q(m)
    return q


def use_rollup(m: Metric | None, period: Period, mode: str) -> bool:
    """Whole months of a summed metric, as it stood: read the monthly roll-up."""
    from django.conf import settings

    return (
        getattr(settings, "COCKPIT_ROLLUP", True)
        and mode == "stood"
        and period.kind != "day"
        and (m is None or m.aggregation == Aggregation.SUM)
    )


def _rollup(paths: Sequence[str], period: Period) -> QuerySet[Any]:
    return MonthRollup.objects.filter(prefix__in=list(paths), month__gte=period.start, month__lte=period.end)


def _in_period(qs: QuerySet[Any], period: Period) -> QuerySet[Any]:
    return qs.filter(day__gte=period.start, day__lte=period.end)


def _aggregate(qs: QuerySet[Any], m: Metric, keys: Sequence[str]) -> dict[tuple[Any, ...], int]:
    out: dict[tuple[Any, ...], int] = defaultdict(int)
    if m.aggregation == Aggregation.DISTINCT:
        for row in qs.values(*keys).annotate(v=Count("person_id", distinct=True)).order_by():
            out[tuple(row[k] for k in keys)] += int(row["v"] or 0)
    elif m.aggregation == Aggregation.LATEST:
        # Each node's last level in the (sub-)period, then added over the nodes.
        last: dict[tuple[Any, ...], tuple[dt.date, int]] = {}
        for row in qs.values(*keys, "union_id", "dim", "day", "value").order_by("day"):
            last[(*(row[k] for k in keys), row["union_id"], row["dim"])] = (row["day"], int(row["value"]))
        for key, (_day, value) in last.items():
            out[key[: len(keys)]] += value
    else:
        for row in qs.values(*keys).annotate(v=Sum("value")).order_by():
            out[tuple(row[k] for k in keys)] += int(row["v"] or 0)
    return dict(out)


@dataclass(frozen=True)
class Figure:
    metric: Metric
    value: int

    @property
    def display(self) -> str:
        return format_value(self.metric, self.value)


def format_value(m: Metric, value: int | None) -> str:
    if value is None:
        return "—"
    if m.in_fen:
        return f"{value / 100:,.2f}"
    return f"{value:,}"


def node_summary(
    node: Union, period: Period, *, mode: str = "stood", metrics: Iterable[Metric] | None = None
) -> dict[str, int]:
    """Every metric's figure for the node's subtree in the period: one query per aggregation kind
    (plus the node's old paths), whatever the tree."""
    chosen = list(metrics) if metrics is not None else all_metrics()
    paths = node_paths(node, mode)
    out = {m.code: 0 for m in chosen}
    by_kind: dict[str, list[Metric]] = defaultdict(list)
    for m in chosen:
        by_kind[m.aggregation].append(m)
    for kind, group in by_kind.items():
        model = PersonFact if kind == Aggregation.DISTINCT else DailyFact
        if kind == Aggregation.SUM and use_rollup(None, period, mode):
            qs = _rollup(paths, period).filter(_totals_q(group))
        else:
            qs = _in_period(_base(model, node, paths, mode), period).filter(_totals_q(group))
        agg = _aggregate(qs, group[0], ["metric"])
        for (code,), value in agg.items():
            out[code] = value
    return out


def node_summary_dims(node: Union, period: Period, *, mode: str = "stood") -> dict[tuple[str, str], int]:
    """The summed metrics per dimension (one query), for the annual snapshot and the report."""
    sums = [m for m in all_metrics() if m.aggregation == Aggregation.SUM]
    if not sums:
        return {}
    if use_rollup(None, period, mode):
        qs = _rollup(node_paths(node, mode), period).filter(metric__in=[m.code for m in sums])
    else:
        qs = _in_period(_base(DailyFact, node, node_paths(node, mode), mode), period).filter(
            metric__in=[m.code for m in sums]
        )
    qs = qs.exclude(dim="")
    return {(k[0], k[1]): v for k, v in _aggregate(qs, sums[0], ["metric", "dim"]).items()}


def metric_value(
    node: Union, m: Metric, period: Period, *, mode: str = "stood", dim: str | None = None
) -> int:
    model = PersonFact if m.distinct_people else DailyFact
    qs = _in_period(_base(model, node, node_paths(node, mode), mode), period)
    qs = (
        qs.filter(metric=m.code, dim=dim)
        if dim is not None and not m.distinct_people
        else qs.filter(total_q(m))
    )
    return sum(_aggregate(qs, m, ["metric"]).values())


def dim_breakdown(node: Union, m: Metric, period: Period, *, mode: str = "stood") -> list[tuple[str, int]]:
    if m.distinct_people:
        return []
    if use_rollup(m, period, mode):
        qs = _rollup(node_paths(node, mode), period).filter(metric=m.code)
    else:
        qs = _in_period(_base(DailyFact, node, node_paths(node, mode), mode), period).filter(metric=m.code)
    if m.total_dims == "":
        qs = qs.exclude(dim="")
    agg = _aggregate(qs, m, ["dim"])
    return sorted(((k[0], v) for k, v in agg.items()), key=lambda kv: (-kv[1], kv[0]))


@dataclass
class ChildRow:
    union_id: int
    name: str
    value: int
    current: bool  # still a child of the node today (else moved or merged away since)
    own: bool = False  # the node's own facts (本级), not a child's


def children_ranking(node: Union, m: Metric, period: Period, *, mode: str = "stood") -> list[ChildRow]:
    """The node's child units ranked by the metric (as it stood: the children it had when the facts
    happened), then the node's own figure. A fixed number of queries: the facts grouped by the
    child segment of their path, the names of the children, the node's old paths."""
    paths = node_paths(node, mode)
    model = PersonFact if m.distinct_people else DailyFact
    base = _in_period(_base(model, node, paths, mode), period).filter(total_q(m))
    values: dict[int, int] = defaultdict(int)
    own = 0
    prefixes = paths if mode == "stood" else [node.path]
    if use_rollup(m, period, mode):
        # The node's row holds its whole subtree; the rows whose parent is the node are its children
        # (an equality on ``parent``: a few rows, however big the subtree below).
        whole = 0
        for prefix in prefixes:
            qs = (
                MonthRollup.objects.filter(
                    Q(prefix=prefix) | Q(parent=prefix), month__gte=period.start, month__lte=period.end
                )
                .filter(total_q(m))
                .annotate(seg=tree.child_segment_expr("prefix", prefix))
            )
            for (seg,), v in _aggregate(qs, m, ["seg"]).items():
                child = tree.segment_id(seg)
                if child is not None:
                    values[child] += v
                else:
                    whole += v
        own = whole - sum(values.values())
        prefixes = []
    for prefix in prefixes:
        qs = base.filter(at_path__startswith=prefix).annotate(
            seg=tree.child_segment_expr("at_path", prefix), plen=Length("at_path")
        )
        for (seg,), v in _aggregate(qs, m, ["seg"]).items():
            child = tree.segment_id(seg)
            if child is not None:
                values[child] += v
            else:
                own += v
    kids = {u.pk: u for u in Union.objects.filter(Q(pk__in=list(values)) | Q(parent_id=node.pk))}
    rows = [
        ChildRow(union_id=pk, name=u.name, value=values.get(pk, 0), current=u.parent_id == node.pk)
        for pk, u in kids.items()
        if pk in values or u.status == Union.Status.ACTIVE
    ]
    rows.sort(key=lambda r: (-r.value, r.name))
    if own:
        rows.append(ChildRow(union_id=node.pk, name=node.name, value=own, current=True, own=True))
    return rows


def trend(node: Union, m: Metric, period: Period, *, mode: str = "stood") -> list[tuple[dt.date, int]]:
    """Month by month over a year or quarter, day by day over a month or a day."""
    model = PersonFact if m.distinct_people else DailyFact
    by_day = period.kind in ("month", "day")
    if not by_day and use_rollup(m, period, mode):
        qs = _rollup(node_paths(node, mode), period).filter(total_q(m)).annotate(bucket=F("month"))
    else:
        qs = _in_period(_base(model, node, node_paths(node, mode), mode), period).filter(total_q(m))
        qs = qs.annotate(bucket=F("day") if by_day else TruncMonth("day"))
    agg = _aggregate(qs, m, ["bucket"])
    if by_day:
        buckets = [period.start + dt.timedelta(days=i) for i in range((period.end - period.start).days + 1)]
    else:
        buckets = period.months()

    def as_date(v: Any) -> dt.date:
        return v.date() if isinstance(v, dt.datetime) else v

    got = {as_date(k[0]): v for k, v in agg.items()}
    return [(b, got.get(b, 0)) for b in buckets]


def metric_or_none(code: str | None) -> Metric | None:
    return get_metric(code or "")
