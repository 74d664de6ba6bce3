from __future__ import annotations

from celery import shared_task


@shared_task
def cockpit_refresh() -> bool:
    """Periodic (every minute): when facts wait to be folded or drained from the buffer (a refresh
    was skipped or lost), ask for one; when none wait, warm the common screens if the figures
    changed since the last warm (``warm.warm_if_settled``)."""
    from yugong.core.facts import fact_buffered

    from . import refresh, rollup
    from .warm import warm_if_settled

    if not (rollup.unfolded() or fact_buffered()):
        warm_if_settled()  # nothing waits: warm the common screens if the figures changed
        return False
    refresh.request("sweep")
    return True
