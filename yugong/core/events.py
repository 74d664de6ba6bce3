"""Domain events: a transactional outbox, so that scenario apps meet without importing each other.

A service publishes inside its own transaction::

    event_publish(kind="contests.certificate_issued", payload={"person_id": 7, ...},
                  union_id=entry.union_id, actor=actor)

Another app handles it in its own ``<app>/handlers.py`` (discovered when Django starts)::

    @event_handler("contests.certificate_issued")
    def credit_for_certificate(event: DomainEvent) -> None:
        ...

The rules this module keeps (and ``core/tests/test_events.py`` pins):

* **Nothing from a rolled-back transaction.** The event row and one delivery row per registered
  handler are written in the publisher's transaction; dispatch is scheduled ``on_commit``.
* **At least once, effects once.** A delivery runs under a row lock inside a transaction; the
  handler's writes and the "done" mark commit together, so a redelivered event whose delivery is
  already done does nothing. Handlers still receive the event id (``event.pk``) for anything
  outside the database (send an SMS ``on_commit``, never inside).
* **Retried with backoff, then dead-lettered.** A handler that raises is retried after
  ``EVENTS_RETRY_BASE_SECONDS × 2^(attempts-1)`` (capped at an hour) up to its ``max_attempts``;
  then the delivery is *dead* and an administrator (duty ``events.replay``) sees it and replays it.
  A replay runs the handler once, however often it is pressed.
* **Where it runs.** In the embedded default (no ``CELERY_BROKER_URL``) deliveries run in-process
  right after commit; with a broker, a Celery task runs them on a worker. Retries and anything a
  crash left behind are picked up by ``manage.py deliver_events`` (Celery beat runs it every minute;
  without Celery, run it from cron).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

from .audit import audit_record
from .errors import Conflict, NotFound
from .models import DomainEvent, EventDelivery

log = logging.getLogger("yugong.events")

Handler = Callable[[DomainEvent], None]
MAX_BACKOFF_SECONDS = 3600


@dataclass(frozen=True)
class HandlerSpec:
    kind: str
    name: str  # dotted path: the stable key of its deliveries
    func: Handler
    max_attempts: int


_handlers: dict[str, list[HandlerSpec]] = {}
_discovered = False


def event_handler(kind: str, *, max_attempts: int | None = None) -> Callable[[Handler], Handler]:
    """Register ``func`` for events of ``kind``. Declare handlers in ``<app>/handlers.py``."""

    def register(func: Handler) -> Handler:
        name = f"{func.__module__}.{func.__qualname__}"
        specs = _handlers.setdefault(kind, [])
        if all(s.name != name for s in specs):
            attempts = max_attempts or int(getattr(settings, "EVENTS_MAX_ATTEMPTS", 5))
            specs.append(HandlerSpec(kind=kind, name=name, func=func, max_attempts=attempts))
        return func

    return register


def discover_handlers() -> None:
    """Import every installed app's ``handlers`` module (once; called when core is ready)."""
    global _discovered
    if not _discovered:
        _discovered = True
        autodiscover_modules("handlers")


def handlers_for(kind: str) -> list[HandlerSpec]:
    discover_handlers()
    return list(_handlers.get(kind, ()))


def _spec(name: str) -> HandlerSpec | None:
    discover_handlers()
    return next((s for specs in _handlers.values() for s in specs if s.name == name), None)


def event_publish(
    *, kind: str, payload: Mapping[str, Any] | None = None, union_id: int | None = None, actor: Any = None
) -> DomainEvent:
    """Record ``kind`` in the caller's transaction; its handlers run after commit. ``payload`` must
    be JSON (ids, not model instances). ``actor`` is the user who caused it (the system actor for
    jobs)."""
    if not kind:
        raise ValueError("an event needs a kind")
    event = DomainEvent.objects.create(
        kind=kind,
        payload=dict(payload or {}),
        union_id=union_id,
        actor_id=getattr(actor, "pk", None),
    )
    specs = handlers_for(kind)
    if specs:
        now = timezone.now()
        EventDelivery.objects.bulk_create(
            [EventDelivery(event=event, handler=s.name, next_attempt_at=now) for s in specs]
        )
        transaction.on_commit(partial(_dispatch, event.pk))
    return event


def _dispatch(event_id: int) -> None:
    if getattr(settings, "CELERY_BROKER_URL", None):
        from .tasks import deliver_event

        try:
            deliver_event.delay(event_id)
        except Exception:  # the broker is down: the periodic job picks the deliveries up
            log.warning("could not queue event %s; deliver_events will retry it", event_id, exc_info=True)
        return
    deliver_event_now(event_id)


def deliver_event_now(event_id: int) -> int:
    """Run every pending delivery of one event; returns how many completed."""
    ids = list(
        EventDelivery.objects.filter(event_id=event_id, status=EventDelivery.Status.PENDING).values_list(
            "pk", flat=True
        )
    )
    return sum(1 for pk in ids if delivery_run(pk))


def delivery_run(delivery_id: int, *, now: dt.datetime | None = None) -> bool:
    """Run one pending delivery under a row lock. True when it completed (now or earlier by
    someone else is False: nothing ran here)."""
    with transaction.atomic():
        delivery = (
            EventDelivery.objects.select_for_update(skip_locked=True)
            .select_related("event")
            .filter(pk=delivery_id, status=EventDelivery.Status.PENDING)
            .first()
        )
        if delivery is None:
            return False
        spec = _spec(delivery.handler)
        now = now or timezone.now()
        error = ""
        if spec is None:
            error = f"no handler registered under {delivery.handler}"
        else:
            try:
                with transaction.atomic():
                    spec.func(delivery.event)
            except Exception as exc:  # a handler fault must not lose the event
                log.warning("event %s handler %s failed", delivery.event_id, delivery.handler, exc_info=True)
                error = f"{type(exc).__name__}: {exc}"[:2000]
        delivery.attempts += 1
        if not error:
            delivery.status = EventDelivery.Status.DONE
            delivery.done_at = now
            delivery.next_attempt_at = None
            delivery.last_error = ""
        else:
            delivery.last_error = error
            max_attempts = spec.max_attempts if spec else 1
            if delivery.attempts >= max_attempts:
                delivery.status = EventDelivery.Status.DEAD
                delivery.next_attempt_at = None
            else:
                delivery.next_attempt_at = now + dt.timedelta(seconds=retry_delay(delivery.attempts))
        delivery.save(update_fields=["status", "attempts", "next_attempt_at", "last_error", "done_at"])
        return not error


def retry_delay(attempts: int) -> int:
    base = int(getattr(settings, "EVENTS_RETRY_BASE_SECONDS", 10))
    return int(min(base * 2 ** max(attempts - 1, 0), MAX_BACKOFF_SECONDS))


def deliver_due(*, limit: int = 500, now: dt.datetime | None = None) -> int:
    """The periodic job: run deliveries whose (re)try time has come. Returns how many completed."""
    now = now or timezone.now()
    ids = list(
        EventDelivery.objects.filter(status=EventDelivery.Status.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(1 for pk in ids if delivery_run(pk, now=now))


def dead_letters() -> Any:
    """Deliveries that gave up, newest first (the administrator's list)."""
    return (
        EventDelivery.objects.filter(status=EventDelivery.Status.DEAD).select_related("event").order_by("-pk")
    )


def delivery_replay(*, actor: Any, delivery_id: int) -> bool:
    """An administrator replays a dead delivery: it runs once more, now. Pressing replay twice (or
    on a delivery that has meanwhile completed) runs nothing the second time. The caller checked the
    actor's duty (``may_administer(actor, "events.replay")``)."""
    with transaction.atomic():
        delivery = EventDelivery.objects.select_for_update().filter(pk=delivery_id).first()
        if delivery is None:
            raise NotFound()
        if delivery.status != EventDelivery.Status.DEAD:
            raise Conflict()
        delivery.status = EventDelivery.Status.PENDING
        delivery.attempts = 0
        delivery.next_attempt_at = timezone.now()
        delivery.save(update_fields=["status", "attempts", "next_attempt_at"])
        audit_record(
            actor=actor,
            action="events.replay",
            obj=delivery,
            union_id=delivery.event.union_id,
            extra={"event": delivery.event_id, "handler": delivery.handler},
        )
    return delivery_run(delivery_id)
