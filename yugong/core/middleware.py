from __future__ import annotations

import uuid
from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.messages.middleware import MessageMiddleware
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from .context import RequestInfo, client_ip, is_api_request, reset_request_info, set_request_info
from .db import busy_error, is_busy_error
from .errors import ApplicationError


class QueryStringLimitMiddleware:
    """Refuse an over-long query string before anything parses it: 400 with the API's JSON error
    body under /api/ (the error page elsewhere). No view needs more than a few hundred bytes of
    query; unbounded ones reach search patterns (SQLite refuses LIKE patterns over 50,000 bytes) and
    the front server. gunicorn.conf.py lets request lines up to gunicorn's own maximum (8,190
    bytes) through, so that below it the client gets this answer, not gunicorn's HTML 400."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if len(request.META.get("QUERY_STRING", "")) > settings.MAX_QUERY_STRING_BYTES:
            from .views import bad_request

            return bad_request(request)
        return self.get_response(request)


class PageMessageMiddleware(MessageMiddleware):
    """Django's one-time messages, for pages only. An API call (under ``/api/``) answers JSON and
    never shows or adds one, so it does not build the message storage (a signed-cookie store and a
    session store, per request: ~2 % of a phone's API call in worker CPU). An attempt to add one
    on an API request fails loudly (``MessageFailure``), as it does without the middleware."""

    def process_request(self, request: HttpRequest) -> None:
        if not is_api_request(request):
            super().process_request(request)


class RequestContextMiddleware:
    """Makes the caller's IP and a request id available to services (audit rows)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        info = RequestInfo(
            ip=client_ip(request.META),
            user_agent=request.META.get("HTTP_USER_AGENT", "")[:300],
            request_id=request.META.get("HTTP_X_REQUEST_ID", "")[:64] or uuid.uuid4().hex,
        )
        token = set_request_info(info)
        try:
            response = self.get_response(request)
        finally:
            reset_request_info(token)
        response["X-Request-ID"] = info.request_id
        return response


class ApplicationErrorMiddleware:
    """Pages: an ApplicationError escaping a view becomes the same Chinese message, as JSON for
    htmx/API-style callers and as an error page otherwise."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if is_busy_error(exception):
            # A bounded wait ran out (core.db): the transaction rolled back; the caller may retry.
            exception = busy_error()
        if not isinstance(exception, ApplicationError):
            return None
        response: HttpResponse
        if is_api_request(request) or "application/json" in request.META.get("HTTP_ACCEPT", ""):
            response = JsonResponse(
                exception.as_body(), status=exception.status, json_dumps_params={"ensure_ascii": False}
            )
        else:
            response = render(request, "error.html", {"error": exception}, status=exception.status)
        return with_retry_after(response, exception)


def with_retry_after(response: HttpResponse, exc: ApplicationError) -> HttpResponse:
    """Errors that end by themselves (busy, rate limits) tell the client when to come back."""
    retry_after = getattr(exc, "retry_after", None)
    if retry_after:
        response["Retry-After"] = str(max(1, int(retry_after)))
    return response


class SecurityHeadersMiddleware:
    """Content-Security-Policy (Django 5.2 has none built in) and a few modern headers."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        tiles = ""
        if settings.MAP_TILE_URL:
            parts = urlsplit(settings.MAP_TILE_URL)
            tiles = f"{parts.scheme}://{parts.netloc.replace('{s}', '*')}"
        self.csp = settings.CONTENT_SECURITY_POLICY.format(tiles=tiles).replace("  ", " ")

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", self.csp)
        response.setdefault("Permissions-Policy", "geolocation=(self), camera=(self), microphone=()")
        response.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        return response
