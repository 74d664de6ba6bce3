"""Refreshing the cockpit through the events outbox, so that writers no longer pay for it.

A service that records a fact pays for its own upsert and nothing more: the cell's ``value`` now
differs from its ``folded`` (see ``rollup.py``). After commit, core's fact listener tells this
module (in memory, no I/O). When the unit of work is over — the response has been sent
(``request_finished``), a Celery task has run (``task_postrun``) — one ``cockpit.refresh`` domain
event is published, at most once per ``COCKPIT_REFRESH_SECONDS`` per process. The event's consumer
(``handlers.py``) folds every new cell into the monthly roll-up, drops the cached figures and warms
the common screens. Delivery is the outbox's: on a Celery worker when a broker is configured,
in-process otherwise; retried with backoff, dead-lettered after ``EVENTS_MAX_ATTEMPTS``.

Nothing is lost when a refresh is skipped (debounced, a management command's facts, or the process
died before publishing): the unfolded cells stay marked, the next refresh folds them, and the
periodic ``cockpit-refresh`` job (Celery beat every minute, or ``manage.py cockpit_rollup --refresh``
from cron) publishes one whenever any wait. Loaders call :func:`flush` when they are done.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from django.conf import settings
from django.db import transaction

from yugong.core.events import event_publish
from yugong.core.facts import FactCell

log = logging.getLogger("yugong.cockpit")

EVENT = "cockpit.refresh"

_lock = threading.Lock()
# Per unit of work (a request or task in this thread): facts were committed. Process-wide: a
# refresh was skipped by the debounce, so the next unit of work that ends asks again.
_local = threading.local()
_state: dict[str, Any] = {"pending": False, "last": float("-inf")}


def request(kind: str = "facts") -> None:
    """Publish one refresh event now (its own transaction; delivered by the outbox)."""
    with transaction.atomic():
        event_publish(kind=EVENT, payload={"reason": kind})


def facts_committed(cell: FactCell) -> None:
    """Core's after-commit fact listener: note that facts came (the refresh is asked for when the
    request or task is over)."""
    _local.dirty = True


def flush(*, force: bool = False) -> bool:
    """Ask for a refresh if facts came (in this unit of work, or skipped before) and the interval
    has passed. True when an event was published."""
    every = float(getattr(settings, "COCKPIT_REFRESH_SECONDS", 0))
    with _lock:
        if not (getattr(_local, "dirty", False) or _state["pending"] or force):
            return False
        _local.dirty = False
        now = time.monotonic()
        if not force and every > 0 and now - _state["last"] < every:
            _state["pending"] = (
                True  # the facts stay marked: the next refresh (or the periodic one) folds them
            )
            return False
        _state["pending"], _state["last"] = False, now
    try:
        request("facts")
    except Exception:  # a refresh must never break the caller; the periodic job asks again
        _state["pending"] = True
        log.warning("could not publish %s", EVENT, exc_info=True)
        return False
    return True


def work_started(**_kwargs: Any) -> None:
    """A request or task begins: its own facts decide (facts committed outside any request or task
    — a command, a shell — wait for the loader's :func:`flush` or the periodic job)."""
    _local.dirty = False


def work_finished(**_kwargs: Any) -> None:
    """A request's response has been sent, or a task has run: ask for the refresh its facts need."""
    if getattr(_local, "dirty", False) or _state["pending"]:
        flush()
