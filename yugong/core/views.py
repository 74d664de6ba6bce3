from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from .context import is_api_request


def active_backends() -> dict[str, str | None]:
    return {
        "database": settings.DB_VENDOR,
        "cache": "redis" if settings.REDIS_URL else "locmem",
        "tasks": "celery" if settings.CELERY_BROKER_URL else "in-process",
        "storage": "s3" if settings.S3_BUCKET else "filesystem",
        "sms": settings.SMS_BACKEND,
    }


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    checks: dict[str, Any] = {}
    ok = True
    started = time.perf_counter()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        checks["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 - health reports any failure
        ok, checks["database"] = False, f"error: {exc.__class__.__name__}"
    try:
        cache.set("healthz", "1", 10)
        checks["cache"] = "ok" if cache.get("healthz") == "1" else "error: read back failed"
    except Exception as exc:  # noqa: BLE001
        ok, checks["cache"] = False, f"error: {exc.__class__.__name__}"
    ok = ok and checks.get("cache") == "ok"
    return JsonResponse(
        {
            "status": "ok" if ok else "degraded",
            "backends": active_backends(),
            "checks": checks,
            "elapsed_ms": round((time.perf_counter() - started) * 1000, 2),
        },
        status=200 if ok else 503,
    )


def favicon(request: HttpRequest) -> HttpResponsePermanentRedirect:
    return HttpResponsePermanentRedirect(static("yugong/favicon.svg"))


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """``handler400``: a SuspiciousOperation raised before a view answers (too many or too long
    query fields read by a middleware, a malformed cookie…). Under /api/ it is the API's JSON error
    body like every other API error; elsewhere the error page."""
    message = _("请求有误：参数过多、过长或格式不正确。")
    if is_api_request(request):
        return JsonResponse(
            {"code": "bad_request", "message": message, "fields": {}},
            status=400,
            json_dumps_params={"ensure_ascii": False},
        )
    return render(
        request, "error.html", {"status": 400, "title": _("请求有误"), "message": message}, status=400
    )
