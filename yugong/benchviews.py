"""Baseline views for the benchmark harness (``python -m bench``, docs/benchmarks.md).

Always routed under ``/_bench/`` but answering 404 unless ``settings.BENCH_ENDPOINTS`` is on (read per
request, so tests can switch it with ``override_settings``). They measure the floor every real
endpoint stands on:

* ``/_bench/bare``  — the whole middleware stack and a JSON response; touches no database or cache.
* ``/_bench/query`` — the same plus exactly one small ORM query (one row of ``django_content_type``,
  a table every installation has and nobody writes to at run time).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.http import Http404, HttpRequest, JsonResponse
from django.urls import path

app_name = "bench"


def _require_enabled() -> None:
    if not getattr(settings, "BENCH_ENDPOINTS", False):
        raise Http404


def bare(request: HttpRequest) -> JsonResponse:
    _require_enabled()
    return JsonResponse({"ok": True})


def query(request: HttpRequest) -> JsonResponse:
    _require_enabled()
    row = ContentType.objects.order_by("pk").values("id", "app_label", "model").first()
    return JsonResponse({"ok": True, "row": row})


urlpatterns = [
    path("bare", bare, name="bare"),
    path("query", query, name="query"),
]
