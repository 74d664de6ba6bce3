from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

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


def acting_unions(request: HttpRequest) -> list[Any]:
    """Every node the staff member may act in (their outermost role nodes)."""
    acting_union(request)
    return list(getattr(request, "_acting_unions", []))


def ui(request: HttpRequest) -> dict[str, Any]:
    large = request.COOKIES.get("yg_large_font") == "1"
    # Lazy: evaluated only by the console header, on whichever app's page renders it.
    return {
        "acting": SimpleLazyObject(lambda: acting_union(request)),
        "acting_unions": SimpleLazyObject(lambda: acting_unions(request)),
        "SITE_NAME": settings.YUGONG_SITE_NAME,
        "large_font": large,
        "MAP_TILE_URL": settings.MAP_TILE_URL,
    }
