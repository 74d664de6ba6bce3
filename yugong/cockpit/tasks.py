from __future__ import annotations

from celery import shared_task


@shared_task
def cockpit_refresh() -> bool:
    """Periodic: when facts wait to be folded (a refresh was skipped or lost), ask for one."""
    from . import refresh, rollup

    if not rollup.unfolded():
        return False
    refresh.request("sweep")
    return True
