from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from yugong.orgs.access import staff_scope

ACTING_UNION_SESSION_KEY = "acting_union_id"


def acting_union(request: HttpRequest) -> Any:
    """The union node a staff member is acting in: chosen in the console header, one of their
    outermost role nodes (the first by default)."""
    user = request.user
    if not getattr(user, "is_authenticated", False):
        return None
    cached = getattr(request, "_acting_union", "unset")
    if cached != "unset":
        return cached
    nodes = list(staff_scope(user))
    chosen = request.session.get(ACTING_UNION_SESSION_KEY)
    union = next((n for n in nodes if n.pk == chosen), nodes[0] if nodes else None)
    request._acting_union = union  # type: ignore[attr-defined]
    request._acting_unions = nodes  # type: ignore[attr-defined]
    return union


def ui(request: HttpRequest) -> dict[str, Any]:
    large = request.COOKIES.get("yg_large_font") == "1"
    extra: dict[str, Any] = {}
    if request.path.startswith("/console/") and getattr(request.user, "is_authenticated", False):
        extra["acting"] = acting_union(request)
        extra["acting_unions"] = getattr(request, "_acting_unions", [])
    return {
        **extra,
        "SITE_NAME": settings.YUGONG_SITE_NAME,
        "large_font": large,
        "MAP_TILE_URL": settings.MAP_TILE_URL,
    }
