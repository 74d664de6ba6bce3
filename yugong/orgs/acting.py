"""The union node a staff member is acting in (chosen in the console header).

Lives in ``orgs`` so that every app's console page can read it; the shell's context processor
offers it to templates as ``acting`` / ``acting_unions``."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from .access import staff_scope

ACTING_UNION_SESSION_KEY = "acting_union_id"


def acting_union(request: HttpRequest) -> Any:
    """One of the staff member's outermost role nodes: the one chosen in the session, else the
    first. None for anonymous users and for users without a union role."""
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


def acting_set(request: HttpRequest, union_id: int) -> bool:
    """Choose the acting node; False (nothing changed) when it is not one of the user's nodes."""
    if union_id not in {n.pk for n in acting_unions(request)}:
        return False
    request.session[ACTING_UNION_SESSION_KEY] = union_id
    for attr in ("_acting_union", "_acting_unions"):
        if hasattr(request, attr):
            delattr(request, attr)
    return True
