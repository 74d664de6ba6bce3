"""Cockpit pages (thin): the desk (tables, period comparison, drill-down), the big screen, the
registry of metrics, Excel exports and the annual approval. Every node comes through
``yugong.orgs.access``: outside the viewer's subtree answers 404 like missing; no grant, nothing."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yugong.accounts.models import request_user
from yugong.core.errors import ApplicationError, NotFound
from yugong.core.metrics import Metric, all_metrics, get_metric
from yugong.core.timeutil import local_today
from yugong.orgs import tree
from yugong.orgs.access import LEADER_ROLES, MANAGE_ROLES, access_union, can_act, staff_scope
from yugong.orgs.decorators import console_required
from yugong.orgs.models import Union

from . import periods, selectors, services, tables
from .forms import CorrectForm, NodeForm
from .models import AnnualFigure, AnnualReview

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _page(request: HttpRequest, template: str, ctx: dict[str, Any]) -> HttpResponse:
    return render(request, template, {"section": "cockpit", **ctx})


def _node(request: HttpRequest) -> Union:
    """The node asked for (through the access layer), else the viewer's outermost node; a viewer
    with no grant gets NotFound (default deny)."""
    user = request_user(request)
    posted = NodeForm(request.POST)
    raw = request.GET.get("node") or (posted.cleaned_data["node"] if posted.is_valid() else "")
    if raw:
        return access_union(user, raw)
    node = staff_scope(user).first()
    if node is None:
        raise NotFound()
    return node


def _filters(request: HttpRequest) -> tuple[Union, periods.Period, str]:
    node = _node(request)
    period = periods.parse(request.GET.get("period"))
    mode = request.GET.get("mode", "stood")
    if mode not in selectors.MODES:
        mode = "stood"
    return node, period, mode


def _crumbs(request: HttpRequest, node: Union) -> list[Union]:
    """The node's ancestors the viewer may see (the path up to the viewer's own node)."""
    ids = tree.path_ids(node.path)
    user = request_user(request)
    return [u for u in Union.objects.filter(pk__in=ids).order_by("depth") if can_act(user, u)]


def _common(request: HttpRequest, node: Union, period: periods.Period, mode: str) -> dict[str, Any]:
    return {
        "node": node,
        "period": period,
        "mode": mode,
        "crumbs": _crumbs(request, node),
        "prev_url": tables.desk_url(node, period.previous(), mode),
        "year_ago_url": tables.desk_url(node, period.year_ago(), mode),
        "other_mode_url": tables.desk_url(node, period, "stands" if mode == "stood" else "stood"),
    }


@console_required
def desk(request: HttpRequest) -> HttpResponse:
    node, period, mode = _filters(request)
    table = tables.summary_table(node, period, mode)
    return _page(
        request,
        "cockpit/desk.html",
        {
            **_common(request, node, period, mode),
            "table": table,
            "export": _export(node, period, mode, "summary"),
        },
    )


def _export(node: Union, period: periods.Period, mode: str, table: str, code: str = "") -> str:
    query = urlencode(
        {"node": node.pk, "period": period.key, "mode": mode, **({"metric": code} if code else {})}
    )
    return f"{reverse('cockpit:export', args=[table])}?{query}"


@console_required
def drill(request: HttpRequest, code: str) -> HttpResponse:
    m = get_metric(code)
    if m is None:
        raise NotFound()
    node, period, mode = _filters(request)
    ctx = {
        **_common(request, node, period, mode),
        "metric": m,
        "total": selectors.format_value(m, selectors.metric_value(node, m, period, mode=mode)),
        "children": tables.children_table(node, m, period, mode),
        "dims": tables.dims_table(node, m, period, mode),
        "trend": tables.trend_table(node, m, period, mode),
        "rows_url": tables.rows_url(m, node, period),
        **{f"export_{t}": _export(node, period, mode, t, m.code) for t in ("children", "dims", "trend")},
    }
    return _page(request, "cockpit/drill.html", ctx)


@console_required
def export(request: HttpRequest, table: str) -> HttpResponse:
    node, period, mode = _filters(request)
    m = get_metric(request.GET.get("metric", ""))
    if table == "summary":
        t = tables.summary_table(node, period, mode)
    elif m is None:
        raise NotFound()
    elif table == "children":
        t = tables.children_table(node, m, period, mode)
    elif table == "trend":
        t = tables.trend_table(node, m, period, mode)
    elif table == "dims":
        t = tables.dims_table(node, m, period, mode)
    else:
        raise NotFound()
    response = HttpResponse(tables.to_xlsx(t), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="cockpit-{table}-{node.code}-{period.key}.xlsx"'
    return response


@console_required
def registry(request: HttpRequest) -> HttpResponse:
    return _page(request, "cockpit/registry.html", {"metrics": all_metrics()})


@console_required
def screen(request: HttpRequest) -> HttpResponse:
    node, period, mode = _filters(request)
    return _page(
        request,
        "cockpit/screen.html",
        {**_common(request, node, period, mode), "data": screen_data(node, period, mode)},
    )


SCREEN_METRICS = (
    "members.approved",
    "stations.checkins",
    "tourism.visitors",
    "appeals.created",
    "contest_participants",
)


def screen_data(node: Union, period: periods.Period, mode: str) -> dict[str, Any]:
    """What the big screen draws: headline figures, a trend, child rankings, stations by district and
    participation rates (contest participants and members per 100 new members)."""
    by_code = {m.code: m for m in all_metrics()}
    summary = {r["code"]: r["value"] for r in tables.summary(node, period, mode)}
    year = periods.year(period.start.year)
    headline = [
        {"name": str(by_code[c].name), "unit": by_code[c].unit_label, "value": summary.get(c, 0)}
        for c in SCREEN_METRICS
        if c in by_code
    ]
    trend_metric = by_code["members.approved"]
    trend = tables.trend_points(node, trend_metric, year, mode)
    ranking_metric = by_code["members.approved"]
    ranking = [r for r in selectors.children_ranking(node, ranking_metric, period, mode=mode) if not r.own][
        :10
    ]
    stations_metric = by_code["stations.created"]
    stations = [
        (dim.removeprefix("district:"), v)
        for dim, v in selectors.dim_breakdown(node, stations_metric, period, mode=mode)
        if dim.startswith("district:")
    ]
    members = summary.get("members.approved", 0) + summary.get("members.imported", 0)
    rates = []
    for code in ("contest_participants", "tourism.visitors", "stations.visitors"):
        if code in by_code:
            rate = round(summary.get(code, 0) * 100 / members, 1) if members else 0
            rates.append({"name": str(by_code[code].name), "rate": rate})
    return {
        "headline": headline,
        "trend": {
            "name": str(trend_metric.name),
            "months": [f"{d:%Y-%m}" for d, _v in trend],
            "values": [v for _d, v in trend],
        },
        "ranking": {
            "name": str(ranking_metric.name),
            "units": [r.name for r in ranking],
            "values": [r.value for r in ranking],
        },
        "stations": {
            "districts": [d for d, _v in stations],
            "values": [v for _d, v in stations],
            "links": district_links(node, stations_metric, period, mode, [d for d, _v in stations]),
        },
        "rates": rates,
    }


def district_links(
    node: Union, m: Metric, period: periods.Period, mode: str, names: list[str]
) -> dict[str, str]:
    """Where a click on a district of the station map leads: the big screen of the child unit that
    is that district's federation (its name starts with the district's), else the stations behind
    the figure, filtered by district. One query (the node's children)."""
    children = list(node.children.filter(status=Union.Status.ACTIVE).values_list("pk", "name"))
    rows = tables.rows_url(m, node, period)
    links = {}
    for name in names:
        child = next((pk for pk, child_name in children if child_name.startswith(name)), None)
        if child is not None:
            query = urlencode({"node": child, "period": period.key, "mode": mode})
            links[name] = f"{reverse('cockpit:screen')}?{query}"
        elif rows:
            links[name] = f"{rows}{'&' if '?' in rows else '?'}{urlencode({'district': name})}"
    return links


# --- Annual figures and approval ------------------------------------------------------------


@console_required
def annual_home(request: HttpRequest) -> HttpResponse:
    """The annual figures of last year (the one being confirmed)."""
    query = request.META.get("QUERY_STRING", "")
    url = reverse("cockpit:annual", args=[local_today().year - 1])
    return HttpResponseRedirect(f"{url}?{query}" if query else url)


@console_required
def annual(request: HttpRequest, year: int) -> HttpResponse:
    node = _node(request)
    user = request_user(request)
    review = AnnualReview.objects.filter(year=year, union=node).first()
    figures = {f.metric: f for f in AnnualFigure.objects.filter(review=review)} if review else {}
    live = (
        selectors.node_summary(node, periods.year(year)) if review is None or review.status == "open" else {}
    )
    rows = []
    for m in all_metrics():
        f = figures.get(m.code)
        rows.append(
            {
                "metric": m,
                "recorded": selectors.format_value(m, f.recorded if f else live.get(m.code)),
                "corrected": selectors.format_value(m, f.corrected) if f and f.corrected is not None else "",
                "reason": f.reason if f else "",
            }
        )
    children = list(
        Union.objects.filter(parent_id=node.pk, status=Union.Status.ACTIVE).order_by("name")[:200]
    )
    states = dict(
        AnnualReview.objects.filter(year=year, union__in=children).values_list("union_id", "status")
    )
    return _page(
        request,
        "cockpit/annual.html",
        {
            "node": node,
            "year": year,
            "review": review,
            "rows": rows,
            "children": [(c, states.get(c.pk, "open")) for c in children],
            "can_manage": can_act(user, node, MANAGE_ROLES),
            "can_lock": can_act(user, node, LEADER_ROLES),
            "crumbs": _crumbs(request, node),
            "locked": bool(review and review.status == AnnualReview.Status.LOCKED),
        },
    )


@console_required
@require_POST
def annual_action(request: HttpRequest, year: int, action: str) -> HttpResponse:
    node = _node(request)
    user = request_user(request)
    form = CorrectForm(request.POST)
    try:
        if action == "confirm":
            services.annual_confirm(actor=user, union=node, year=year)
            messages.success(request, _("已确认本年度数据。"))
        elif action == "correct":
            services.annual_correct(actor=user, union=node, year=year, **form.valid_or_raise())
            messages.success(request, _("已记录更正，原统计值保留。"))
        elif action == "lock":
            services.annual_lock(actor=user, union=node, year=year)
            messages.success(request, _("已锁定本年度数据。"))
        else:
            raise NotFound()
    except NotFound:
        raise
    except ApplicationError as exc:
        if exc.status == 403:
            raise
        detail = "；".join(form.messages_of(exc)) if exc.fields else ""
        messages.error(request, f"{exc.message}{detail}")
    return HttpResponseRedirect(f"{reverse('cockpit:annual', args=[year])}?node={node.pk}")
