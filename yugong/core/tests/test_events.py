"""The outbox: nothing from a rolled-back transaction, effects once, retries with backoff, the
dead-letter list and a replay that runs once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone

from tests.helpers import UserFactory, requires_postgres
from tests.race import race
from yugong.accounts.system import system_actor
from yugong.core import events
from yugong.core.errors import Conflict
from yugong.core.events import (
    deliver_due,
    deliver_event_now,
    delivery_replay,
    event_handler,
    event_publish,
    retry_delay,
)
from yugong.core.models import AuditEvent, DomainEvent, EventDelivery

pytestmark = pytest.mark.django_db

SEEN: list[tuple[int, str]] = []
FAILURES = {"left": 0}


@pytest.fixture(autouse=True)
def _fresh() -> None:
    SEEN.clear()
    FAILURES["left"] = 0


@event_handler("test.counted")
def _count(event: DomainEvent) -> None:
    # A handler's own database write: it must commit with the delivery's "done" mark.
    AuditEvent.objects.create(action="test.handled", object_id=str(event.pk))
    SEEN.append((event.pk, "count"))


@event_handler("test.flaky", max_attempts=3)
def _flaky(event: DomainEvent) -> None:
    AuditEvent.objects.create(action="test.flaky_write", object_id=str(event.pk))
    if FAILURES["left"] > 0:
        FAILURES["left"] -= 1
        raise RuntimeError("the other service is down")
    SEEN.append((event.pk, "flaky"))


def _handled_rows(event: DomainEvent, action: str = "test.handled") -> int:
    return AuditEvent.objects.filter(action=action, object_id=str(event.pk)).count()


def test_an_event_runs_its_handlers_after_commit(django_capture_on_commit_callbacks):
    actor = UserFactory()  # before the block: saving a user has on-commit work of its own (grants stamp)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        event = event_publish(kind="test.counted", payload={"n": 1}, union_id=3, actor=actor)
        assert SEEN == []  # not before commit
    assert len(callbacks) == 1
    assert [(event.pk, "count")] == SEEN
    delivery = EventDelivery.objects.get(event=event)
    assert delivery.status == EventDelivery.Status.DONE and delivery.attempts == 1


def test_an_event_from_a_rolled_back_transaction_never_runs(django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        event_publish(kind="test.counted", payload={})
        raise RuntimeError("the service failed after publishing")
    assert SEEN == []
    assert not DomainEvent.objects.filter(kind="test.counted").exists()
    assert deliver_due(now=timezone.now() + dt.timedelta(days=1)) == 0


def test_a_redelivered_event_has_its_effects_once():
    event = event_publish(kind="test.counted")
    assert deliver_event_now(event.pk) == 1
    assert deliver_event_now(event.pk) == 0  # at least once on the wire, once in effect
    assert deliver_due(now=timezone.now() + dt.timedelta(days=1)) == 0
    assert _handled_rows(event) == 1 and len(SEEN) == 1


def test_a_crashing_handler_is_retried_with_backoff_then_dead_lettered():
    FAILURES["left"] = 10
    event = event_publish(kind="test.flaky")
    now = timezone.now()
    assert deliver_event_now(event.pk) == 0
    delivery = EventDelivery.objects.get(event=event)
    assert delivery.status == EventDelivery.Status.PENDING and delivery.attempts == 1
    assert "the other service is down" in delivery.last_error
    # The failed attempt's writes were rolled back with it.
    assert _handled_rows(event, "test.flaky_write") == 0
    # Not due before the backoff has passed; due after.
    assert deliver_due(now=now) == 0
    later = now + dt.timedelta(seconds=retry_delay(1) + 1)
    assert deliver_due(now=later) == 0
    delivery.refresh_from_db()
    assert delivery.attempts == 2 and delivery.next_attempt_at > later
    assert deliver_due(now=later + dt.timedelta(hours=2)) == 0
    delivery.refresh_from_db()
    assert delivery.status == EventDelivery.Status.DEAD and delivery.attempts == 3
    assert list(events.dead_letters()) == [delivery]
    assert deliver_due(now=later + dt.timedelta(days=9)) == 0  # the dead stay dead


def test_backoff_doubles_and_is_capped():
    assert [retry_delay(n) for n in (1, 2, 3)] == [10, 20, 40]
    assert retry_delay(40) == events.MAX_BACKOFF_SECONDS


def test_a_replay_runs_once_and_is_audited():
    FAILURES["left"] = 3
    event = event_publish(kind="test.flaky")
    deliver_event_now(event.pk)
    far = timezone.now() + dt.timedelta(days=1)
    deliver_due(now=far)
    deliver_due(now=far + dt.timedelta(days=1))
    delivery = EventDelivery.objects.get(event=event)
    assert delivery.status == EventDelivery.Status.DEAD
    admin = UserFactory(admin_role="system", is_staff=True)
    assert delivery_replay(actor=admin, delivery_id=delivery.pk) is True
    with pytest.raises(Conflict):
        delivery_replay(actor=admin, delivery_id=delivery.pk)  # pressed twice: nothing runs again
    assert [(event.pk, "flaky")] == SEEN
    assert _handled_rows(event, "test.flaky_write") == 1
    assert AuditEvent.objects.filter(action="events.replay", object_id=str(delivery.pk)).count() == 1


def test_events_without_handlers_are_kept_without_deliveries():
    event = event_publish(kind="test.nobody_listens", payload={"x": 1}, actor=system_actor())
    assert event.actor_id == system_actor().pk
    assert not EventDelivery.objects.filter(event=event).exists()


def test_the_replay_command_lists_and_replays(capsys):
    from django.core.management import call_command

    FAILURES["left"] = 3
    event = event_publish(kind="test.flaky")
    for _ in range(3):
        events.delivery_run(EventDelivery.objects.get(event=event).pk)
    delivery = EventDelivery.objects.get(event=event)
    call_command("replay_event")
    assert str(delivery.pk) in capsys.readouterr().out
    call_command("replay_event", id=delivery.pk)
    assert "completed" in capsys.readouterr().out


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_never_run_one_delivery_twice():
    """Two workers pick up the same due deliveries at once: the row lock (skip locked) lets one
    run each delivery; the handler's effect happens once per event."""
    published = []
    for _ in range(20):
        with transaction.atomic():
            published.append(event_publish(kind="test.counted"))
    got = race(2, lambda _i: deliver_due(now=timezone.now() + dt.timedelta(seconds=1)))
    assert not [r for r in got if isinstance(r, Exception)], got
    for event in published:
        assert _handled_rows(event) == 1
    assert not EventDelivery.objects.exclude(status=EventDelivery.Status.DONE).exists()
