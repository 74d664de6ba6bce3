"""The floors every other figure is compared with, measured in every run."""

from __future__ import annotations

from typing import Any

from bench.registry import Ctx, Request, micro, scenario

BARE = Request("GET", "/_bench/bare")
QUERY = Request("GET", "/_bench/query")
HEALTHZ = Request("GET", "/healthz")


@scenario(
    "baseline_bare",
    "GET /_bench/bare: the whole middleware stack and a small JSON body; no database, no cache",
    baseline=True,
)
def baseline_bare(ctx: Ctx, i: int) -> Request:
    return BARE


@scenario(
    "baseline_query",
    "GET /_bench/query: as baseline_bare plus exactly one small ORM query (one django_content_type row)",
    baseline=True,
)
def baseline_query(ctx: Ctx, i: int) -> Request:
    return QUERY


@scenario("healthz", "GET /healthz: SELECT 1 on the database plus a cache set and get")
def healthz(ctx: Ctx, i: int) -> Request:
    return HEALTHZ


@micro(
    "micro_query",
    "in-process: the baseline_query ORM query alone (no HTTP, no middleware); micro baseline",
    iterations=3000,
    baseline=True,
)
def micro_query(ctx: Ctx) -> Any:
    from django.contrib.contenttypes.models import ContentType

    return ContentType.objects.order_by("pk").values("id", "app_label", "model").first()
