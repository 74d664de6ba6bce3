"""The import's progress, kept in the cache (the row cannot be updated from outside the big
transaction on the same connection)."""

from __future__ import annotations

from typing import Any

from django.core.cache import cache

from .models import RosterImport

PROGRESS_TTL = 6 * 3600


def progress_key(import_id: int) -> str:
    return f"members:roster-import:{import_id}:progress"


def progress_get(ri: RosterImport) -> dict[str, Any]:
    data = cache.get(progress_key(ri.pk))
    if ri.is_finished or not data:
        return {"percent": 100 if ri.is_finished else ri.progress, "status": ri.status, "done": ri.total}
    return dict(data)


def _progress(ri: RosterImport, percent: int, status: str, done: int) -> None:
    cache.set(progress_key(ri.pk), {"percent": percent, "status": status, "done": done}, PROGRESS_TTL)
