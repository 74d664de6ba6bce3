"""Cockpit API, mounted at /api/v1/cockpit/ (no ``from __future__ import annotations``: Ninja
reads the annotations at import). Staff only, scoped by the one access layer: a node outside the
caller's subtree answers 404 like a missing one; a caller with no grant gets nothing."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema

from yugong.accounts.models import request_user
from yugong.core.errors import NotFound, PermissionDenied
from yugong.core.metrics import all_metrics, get_metric
from yugong.core.schemas import ERROR_RESPONSES
from yugong.orgs.access import UnionRef, access_union, access_union_ref, staff_scope
from yugong.orgs.decorators import is_console_user
from yugong.orgs.models import Union

from . import periods, selectors, tables
from .cache import cached_json

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


def _node(request: HttpRequest, node: int | None) -> UnionRef:
    """The node the caller asked for, by id and path (enough for the cache key): a cached answer
    reads the caller's grants and the node's path from the access layer's cache and runs no query."""
    user = request_user(request)
    if not is_console_user(user):
        raise PermissionDenied()
    if node is not None:
        return access_union_ref(user, node)
    found = staff_scope(user).first()
    if found is None:
        raise NotFound()
    return UnionRef(found.pk, found.path)


def _union(request: HttpRequest, ref: UnionRef) -> Union:
    """The node itself, for computing an answer the cache did not hold (through the access layer
    again: the rule is applied to the row as it is now)."""
    return access_union(request_user(request), ref.pk)


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


def _body(key: str, build: Any) -> HttpResponse:
    """The answer's JSON body from the cache (keyed by the refresh stamp): a hit sends the stored
    bytes, built once in the documented shape (the schema above), without validating them again."""
    return HttpResponse(cached_json(key, build), content_type="application/json")


@router.get("/summary", response={200: CockpitSummaryOut, **ERROR_RESPONSES}, summary="节点指标汇总")
def cockpit_summary(
    request: HttpRequest, node: int | None = None, period: str = "", mode: str = "stood"
) -> Any:
    ref = _node(request, node)
    p = periods.parse(period)
    mode = _mode(mode)

    def build() -> dict[str, Any]:
        union = _union(request, ref)
        return {
            "node_id": union.pk,
            "node_name": union.name,
            "period": p.key,
            "mode": mode,
            "figures": tables.summary(union, p, mode),
        }

    # The node's name is in the body but not in the key: a rename drops the cached figures
    # (hooks.union_saved).
    return _body(f"api:summary:{ref.pk}:{ref.path}:{p.key}:{mode}", build)


@router.get("/children", response={200: list[CockpitChildOut], **ERROR_RESPONSES}, summary="下级单位排名")
def cockpit_children(
    request: HttpRequest,
    metric: str,
    node: int | None = None,
    period: str = "",
    mode: str = "stood",
    limit: int | None = None,
) -> Any:
    """The child units ranked by the metric (the node's own figure last); ``limit``: the top N only
    (a district has thousands of grassroots unions; the big screen shows the first few)."""
    ref = _node(request, node)
    m = get_metric(metric)
    if m is None:
        raise NotFound()
    p, mode = periods.parse(period), _mode(mode)
    top = None if limit is None else max(1, min(int(limit), 10_000))

    def build() -> list[dict[str, Any]]:
        rows = tables.children_rows(_union(request, ref), m, p, mode)
        if top is not None:
            rows = rows[:top]
        return [r.__dict__ for r in rows]

    return _body(f"api:children:{ref.pk}:{ref.path}:{m.code}:{p.key}:{mode}:{top}", build)


@router.get("/trend", response={200: list[CockpitPointOut], **ERROR_RESPONSES}, summary="指标走势")
def cockpit_trend(
    request: HttpRequest, metric: str, node: int | None = None, period: str = "", mode: str = "stood"
) -> Any:
    ref = _node(request, node)
    m = get_metric(metric)
    if m is None:
        raise NotFound()
    p, mode = periods.parse(period), _mode(mode)
    return _body(
        f"api:trend:{ref.pk}:{ref.path}:{m.code}:{p.key}:{mode}",
        lambda: [
            {"day": d.isoformat(), "value": v}
            for d, v in tables.trend_points(_union(request, ref), m, p, mode)
        ],
    )
