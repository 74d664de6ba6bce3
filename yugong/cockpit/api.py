"""Cockpit API, mounted at /api/v1/cockpit/ (no ``from __future__ import annotations``: Ninja
reads the annotations at import). Staff only, scoped by the one access layer: a node outside the
caller's subtree answers 404 like a missing one; a caller with no grant gets nothing."""

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from yugong.accounts.models import request_user
from yugong.core.errors import NotFound, PermissionDenied
from yugong.core.metrics import all_metrics, get_metric
from yugong.core.schemas import ERROR_RESPONSES
from yugong.orgs.access import access_union, staff_scope
from yugong.orgs.decorators import is_console_user
from yugong.orgs.models import Union

from . import periods, selectors, tables

router = Router(tags=["cockpit"])


class CockpitMetricOut(Schema):
    code: str
    name: str
    unit: str
    aggregation: str
    app: str


class CockpitFigureOut(Schema):
    code: str
    value: int
    previous: int
    year_ago: int


class CockpitSummaryOut(Schema):
    node_id: int
    node_name: str
    period: str
    mode: str
    figures: list[CockpitFigureOut]


class CockpitChildOut(Schema):
    union_id: int
    name: str
    value: int
    current: bool
    own: bool


class CockpitPointOut(Schema):
    day: str
    value: int


def _node(request: HttpRequest, node: int | None) -> Union:
    user = request_user(request)
    if not is_console_user(user):
        raise PermissionDenied()
    if node is not None:
        return access_union(user, node)
    found = staff_scope(user).first()
    if found is None:
        raise NotFound()
    return found


def _mode(mode: str) -> str:
    return mode if mode in selectors.MODES else "stood"


@router.get("/metrics", response={200: list[CockpitMetricOut], **ERROR_RESPONSES}, summary="指标目录")
def cockpit_metrics(request: HttpRequest) -> Any:
    if not is_console_user(request_user(request)):
        raise PermissionDenied()
    return [
        {
            "code": m.code,
            "name": str(m.name),
            "unit": m.unit_label,
            "aggregation": m.aggregation,
            "app": m.app,
        }
        for m in all_metrics()
    ]


@router.get("/summary", response={200: CockpitSummaryOut, **ERROR_RESPONSES}, summary="节点指标汇总")
def cockpit_summary(
    request: HttpRequest, node: int | None = None, period: str = "", mode: str = "stood"
) -> Any:
    union = _node(request, node)
    p = periods.parse(period)
    mode = _mode(mode)
    return {
        "node_id": union.pk,
        "node_name": union.name,
        "period": p.key,
        "mode": mode,
        "figures": tables.summary(union, p, mode),
    }


@router.get("/children", response={200: list[CockpitChildOut], **ERROR_RESPONSES}, summary="下级单位排名")
def cockpit_children(
    request: HttpRequest, metric: str, node: int | None = None, period: str = "", mode: str = "stood"
) -> Any:
    union = _node(request, node)
    m = get_metric(metric)
    if m is None:
        raise NotFound()
    rows = tables.children_rows(union, m, periods.parse(period), _mode(mode))
    return [r.__dict__ for r in rows]


@router.get("/trend", response={200: list[CockpitPointOut], **ERROR_RESPONSES}, summary="指标走势")
def cockpit_trend(
    request: HttpRequest, metric: str, node: int | None = None, period: str = "", mode: str = "stood"
) -> Any:
    union = _node(request, node)
    m = get_metric(metric)
    if m is None:
        raise NotFound()
    points = tables.trend_points(union, m, periods.parse(period), _mode(mode))
    return [{"day": d.isoformat(), "value": v} for d, v in points]
