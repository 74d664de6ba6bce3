"""The cockpit's tables, built once for the pages, the API and the Excel export alike (one rule,
one place: what a leader sees on screen is what the export holds)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from yugong.core.metrics import Metric, all_metrics
from yugong.orgs.models import Union

from . import selectors
from .cache import cached
from .periods import Period


@dataclass
class Table:
    title: str
    head: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    links: list[dict[str, str]] = field(default_factory=list)  # per row: column index → URL

    def cells(self) -> list[list[tuple[Any, str]]]:
        """Rows of (value, link or "") for the templates."""
        out = []
        for i, row in enumerate(self.rows):
            links = self.links[i] if i < len(self.links) else {}
            out.append([(v, links.get(str(j), "")) for j, v in enumerate(row)])
        return out


def _change(now: int, before: int) -> str:
    if not before:
        return "—"
    return f"{(now - before) * 100 / before:+.1f}%"


def summary(node: Union, period: Period, mode: str) -> list[dict[str, Any]]:
    """Every metric: the period, the one before, the same period a year ago (cached)."""

    def compute() -> list[dict[str, Any]]:
        now = selectors.node_summary(node, period, mode=mode)
        prev = selectors.node_summary(node, period.previous(), mode=mode)
        ago = selectors.node_summary(node, period.year_ago(), mode=mode)
        return [
            {
                "code": m.code,
                "value": now[m.code],
                "previous": prev[m.code],
                "year_ago": ago[m.code],
            }
            for m in all_metrics()
        ]

    return cached(f"summary:{node.pk}:{node.path}:{period.key}:{mode}", compute)


def summary_table(node: Union, period: Period, mode: str) -> Table:
    by_code = {m.code: m for m in all_metrics()}
    t = Table(
        title=_("%(node)s %(period)s 指标汇总") % {"node": node.name, "period": period.label},
        head=[_("指标"), _("单位"), period.label, _("上期"), _("环比"), _("上年同期"), _("同比"), _("来源")],
    )
    for r in summary(node, period, mode):
        m = by_code[r["code"]]
        t.rows.append(
            [
                str(m.name),
                m.unit_label,
                selectors.format_value(m, r["value"]),
                selectors.format_value(m, r["previous"]),
                _change(r["value"], r["previous"]),
                selectors.format_value(m, r["year_ago"]),
                _change(r["value"], r["year_ago"]),
                m.app,
            ]
        )
        t.links.append({"0": drill_url(m, node, period, mode), "2": drill_url(m, node, period, mode)})
    return t


def children_rows(node: Union, m: Metric, period: Period, mode: str) -> list[selectors.ChildRow]:
    return cached(
        f"children:{node.pk}:{node.path}:{m.code}:{period.key}:{mode}",
        lambda: selectors.children_ranking(node, m, period, mode=mode),
    )


def trend_points(node: Union, m: Metric, period: Period, mode: str) -> list[tuple[Any, int]]:
    return cached(
        f"trend:{node.pk}:{node.path}:{m.code}:{period.key}:{mode}",
        lambda: selectors.trend(node, m, period, mode=mode),
    )


def children_table(node: Union, m: Metric, period: Period, mode: str) -> Table:
    rows = children_rows(node, m, period, mode)
    t = Table(
        title=_("%(node)s %(period)s %(metric)s 下级排名")
        % {"node": node.name, "period": period.label, "metric": m.name},
        head=[_("排名"), _("工会"), f"{m.name}（{m.unit_label}）", _("说明")],
    )
    for i, r in enumerate(rows, start=1):
        note = _("本级") if r.own else ("" if r.current else _("已迁出或合并"))
        t.rows.append([i, r.name, selectors.format_value(m, r.value), note])
        links = {}
        if r.own:
            rows_link = rows_url(m, node, period)
            if rows_link:
                links["2"] = rows_link
        elif r.current:
            links["1"] = desk_url(r.union_id, period, mode)
            links["2"] = drill_url(m, r.union_id, period, mode)
        t.links.append(links)
    return t


def _query(node: Union | int, period: Period, mode: str) -> str:
    node_id = node if isinstance(node, int) else node.pk
    params = {"node": node_id, "period": period.key}
    if mode != "stood":
        params["mode"] = mode
    return urlencode(params)


def desk_url(node: Union | int, period: Period, mode: str) -> str:
    return f"{reverse('cockpit:desk')}?{_query(node, period, mode)}"


def drill_url(m: Metric, node: Union | int, period: Period, mode: str) -> str:
    return f"{reverse('cockpit:drill', args=[m.code])}?{_query(node, period, mode)}"


def rows_url(m: Metric, node: Union, period: Period) -> str:
    """The owning app's list page for the rows behind a number (declared with the metric)."""
    if not m.rows_url:
        return ""
    try:
        base = reverse(m.rows_url)
    except NoReverseMatch:
        return ""
    values = {
        "union_id": str(node.pk),
        "union_code": node.code,
        "start": period.start.isoformat(),
        "end": period.end.isoformat(),
    }
    params = {param: values[key] for param, key in m.rows_params.items()}
    return f"{base}?{urlencode(params)}" if params else base


def trend_table(node: Union, m: Metric, period: Period, mode: str) -> Table:
    points = trend_points(node, m, period, mode)
    t = Table(
        title=_("%(metric)s 走势") % {"metric": m.name}, head=[_("日期"), f"{m.name}（{m.unit_label}）"]
    )
    for d, v in points:
        t.rows.append(
            [d.isoformat() if period.kind in ("month", "day") else f"{d:%Y-%m}", selectors.format_value(m, v)]
        )
    return t


def dims_table(node: Union, m: Metric, period: Period, mode: str) -> Table:
    rows = cached(
        f"dims:{node.pk}:{node.path}:{m.code}:{period.key}:{mode}",
        lambda: selectors.dim_breakdown(node, m, period, mode=mode),
    )
    t = Table(
        title=_("%(metric)s 分项") % {"metric": m.name}, head=[_("分项"), f"{m.name}（{m.unit_label}）"]
    )
    for dim, v in rows:
        t.rows.append([dim or _("（未分项）"), selectors.format_value(m, v)])
    return t


def to_xlsx(table: Table) -> bytes:
    import io

    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=_("数据")[:31])
    ws.append([table.title])
    ws.append(table.head)
    for row in table.rows:
        ws.append([str(c) if not isinstance(c, int) else c for c in row])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
