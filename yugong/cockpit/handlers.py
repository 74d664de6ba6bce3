"""The cockpit's consumers of the events outbox (discovered by ``yugong.core.events``)."""

from __future__ import annotations

from django.db import transaction

from yugong.core.events import event_handler, event_publish
from yugong.core.facts import fact_buffer_drain
from yugong.core.models import DomainEvent

from . import rollup
from .cache import bump_version
from .refresh import EVENT


def _refreshed() -> None:
    # No warm here: while facts flow, the next refresh drops whatever a warm computed seconds later;
    # the periodic job warms once the figures have settled (tasks.py, warm.py).
    bump_version()


@event_handler(EVENT)
def refresh_rollup(event: DomainEvent) -> None:
    """Add the buffered facts to their cells (core's fact buffer, hot write paths), fold new facts
    into the monthly roll-up; after commit, drop the cached figures.
    Idempotent: the buffered rows are deleted and the cells folded are marked in this transaction,
    so a second delivery (or a second worker) finds nothing left to add."""
    drained, more_buffered = fact_buffer_drain()
    folded, more = rollup.fold()
    folded += drained
    if more or more_buffered:  # a bulk load: the rest in the next delivery, not in one long transaction
        event_publish(kind=EVENT, payload={"reason": "more"})
    # Facts that are not summed (levels, distinct people) change cached figures too.
    if folded or event.payload.get("reason") != "sweep":
        transaction.on_commit(_refreshed, robust=True)
