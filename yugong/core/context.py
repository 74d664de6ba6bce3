"""Who and where the current request is, for services that audit without a request object."""

from __future__ import annotations

import contextvars
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class RequestInfo:
    ip: str | None = None
    user_agent: str = ""
    request_id: str = ""


_current: contextvars.ContextVar[RequestInfo | None] = contextvars.ContextVar("yugong_request", default=None)


def set_request_info(info: RequestInfo | None) -> contextvars.Token:
    return _current.set(info)


def reset_request_info(token: contextvars.Token) -> None:
    _current.reset(token)


API_PREFIX = "/api/"


def is_api_request(request: Any) -> bool:
    """A call of the JSON API (everything under ``/api/``): its errors are JSON bodies, and it needs
    none of the pages' one-time messages."""
    return str(request.path_info).startswith(API_PREFIX)


def current_request_info() -> RequestInfo:
    return _current.get() or RequestInfo()


def client_ip(meta: dict) -> str | None:
    # Behind a reverse proxy set TRUSTED_PROXY_COUNT so the right X-Forwarded-For hop is used;
    # without it the socket address is the only trustworthy value.
    from django.conf import settings

    hops = int(getattr(settings, "TRUSTED_PROXY_COUNT", 0) or 0)
    forwarded = meta.get("HTTP_X_FORWARDED_FOR", "")
    if hops and forwarded:
        parts = [p.strip() for p in forwarded.split(",") if p.strip()]
        if len(parts) >= hops:
            return parts[-hops]
    return meta.get("REMOTE_ADDR")
