from __future__ import annotations

from celery import shared_task


@shared_task
def cockpit_refresh() -> bool:
    """Periodic: when facts wait to be folded or drained from the buffer (a refresh was skipped or
    lost), ask for one."""
    from yugong.core.facts import fact_buffered

    from . import refresh, rollup

    if not (rollup.unfolded() or fact_buffered()):
        return False
    refresh.request("sweep")
    return True
