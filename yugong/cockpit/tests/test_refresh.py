"""The roll-up is refreshed through the events outbox: writers pay for their own upsert only; a
delivery folds the new facts in, once however often it runs; failures are retried, then dead."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from tests.helpers import make_union, requires_postgres
from tests.race import race
from yugong.cockpit import cache as cockpit_cache
from yugong.cockpit import handlers, periods, refresh, rollup, selectors, tables
from yugong.cockpit.cache import version
from yugong.cockpit.models import MonthRollup
from yugong.core import events
from yugong.core.facts import fact_person, fact_record, fact_set
from yugong.core.metrics import get_metric
from yugong.core.models import DailyFact, DomainEvent, EventDelivery
from yugong.core.timeutil import local_today

SUM = "members.approved"
JAN = dt.date(2023, 1, 9)


def _rolled(prefix: str, metric: str = SUM) -> int:
    return sum(
        MonthRollup.objects.filter(prefix=prefix, metric=metric, dim="").values_list("value", flat=True)
    )


def _deliveries() -> Any:
    return EventDelivery.objects.filter(handler__endswith="refresh_rollup")


@pytest.mark.django_db
def test_a_fact_reaches_the_rollup_after_delivery_and_counts_once_however_often_delivered():
    city = make_union(None)
    unit = make_union(make_union(city, kind="district"))
    fact_record(metric=SUM, union_id=unit.pk, value=3, day=JAN)
    assert rollup.unfolded() and _rolled(city.path) == 0  # recorded, not yet delivered

    event = events.event_publish(kind=refresh.EVENT, payload={"reason": "facts"})
    assert events.deliver_event_now(event.pk) == 1
    assert _rolled(city.path) == 3 and _rolled(unit.path) == 3 and not rollup.unfolded()

    assert events.deliver_event_now(event.pk) == 0  # the same delivery again: nothing runs
    again = events.event_publish(kind=refresh.EVENT, payload={"reason": "facts"})
    assert events.deliver_event_now(again.pk) == 1  # a second event: runs, adds nothing
    handlers.refresh_rollup(again)  # and the handler itself, run twice over
    assert _rolled(city.path) == 3

    fact_record(metric=SUM, union_id=unit.pk, value=2, day=JAN)  # the same cell grows
    handlers.refresh_rollup(again)
    assert _rolled(city.path) == 5
    assert DailyFact.objects.get(union_id=unit.pk, metric=SUM).folded == 5


@pytest.mark.django_db
def test_levels_and_people_are_marked_folded_without_adding_to_the_rollup():
    city = make_union(None)
    fact_set(metric="stations.coverage_permille", union_id=city.pk, value=455, day=JAN)
    fact_person(metric="members.people_joined", union_id=city.pk, person_id=7, day=JAN)
    rollup.fold()
    assert not rollup.unfolded()
    assert not MonthRollup.objects.filter(metric__in=["stations.coverage_permille", "members.people_joined"])


@pytest.mark.django_db
def test_inside_a_request_the_writer_pays_its_upsert_only(django_capture_on_commit_callbacks):
    """What the old after-commit hook cost the writer (an upsert per ancestor and a cache write per
    fact) now happens after the response: recording runs one statement, its commit callbacks none."""
    city = make_union(None)
    unit = make_union(city)
    refresh.work_started()  # request_started
    with CaptureQueriesContext(connection) as writes, django_capture_on_commit_callbacks(execute=True):
        fact_record(metric=SUM, union_id=unit.pk, value=4, day=JAN)
    assert len(writes.captured_queries) == 1, writes.captured_queries
    assert not _deliveries().exists()
    with django_capture_on_commit_callbacks(execute=True):
        refresh.work_finished()  # request_finished: the response has been sent
    assert _deliveries().get().status == EventDelivery.Status.DONE
    assert _rolled(city.path) == 4


@pytest.mark.django_db
def test_requests_ask_for_a_refresh_at_most_once_per_interval_and_the_periodic_job_catches_up(
    django_capture_on_commit_callbacks, settings
):
    from yugong.cockpit.tasks import cockpit_refresh

    settings.COCKPIT_REFRESH_SECONDS = 3600
    city = make_union(None)
    for _request in range(3):
        refresh.work_started()
        with django_capture_on_commit_callbacks(execute=True):
            fact_record(metric=SUM, union_id=city.pk, value=1, day=JAN)
        with django_capture_on_commit_callbacks(execute=True):
            refresh.work_finished()
    assert _deliveries().count() == 1 and rollup.unfolded()  # debounced: the facts wait, marked
    assert _rolled(city.path) == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert cockpit_refresh() is True  # the periodic job asks for it
    assert _rolled(city.path) == 3 and cockpit_refresh() is False


@pytest.mark.django_db
def test_facts_committed_outside_any_request_wait_for_the_loaders_flush(django_capture_on_commit_callbacks):
    city = make_union(None)
    with django_capture_on_commit_callbacks(execute=True):
        fact_record(metric=SUM, union_id=city.pk, value=2, day=JAN)
    assert not _deliveries().exists()
    with django_capture_on_commit_callbacks(execute=True):
        assert refresh.flush() is True
    assert _rolled(city.path) == 2


@pytest.mark.django_db
def test_a_failing_fold_is_retried_then_dead_lettered_and_nothing_is_lost(monkeypatch):
    city = make_union(None)
    fact_record(metric=SUM, union_id=city.pk, value=6, day=JAN)

    def broken(**_kw: Any) -> tuple[int, bool]:
        raise RuntimeError("database away")

    monkeypatch.setattr(rollup, "fold", broken)
    event = events.event_publish(kind=refresh.EVENT, payload={"reason": "facts"})
    delivery = _deliveries().get(event=event)
    spec = next(s for s in events.handlers_for(refresh.EVENT) if s.name == delivery.handler)
    assert events.delivery_run(delivery.pk) is False
    delivery.refresh_from_db()
    assert delivery.status == EventDelivery.Status.PENDING and delivery.attempts == 1  # retried later
    for _ in range(spec.max_attempts - 1):
        assert events.delivery_run(delivery.pk) is False
    delivery.refresh_from_db()
    assert delivery.status == EventDelivery.Status.DEAD and "database away" in delivery.last_error
    assert rollup.unfolded() and _rolled(city.path) == 0  # nothing lost, nothing half-added

    monkeypatch.undo()
    delivery.status, delivery.attempts = EventDelivery.Status.PENDING, 0
    delivery.save()
    assert events.delivery_run(delivery.pk) is True
    assert _rolled(city.path) == 6


@pytest.mark.django_db
def test_a_bulk_load_is_folded_in_bounded_deliveries(django_capture_on_commit_callbacks):
    city = make_union(None)
    units = [make_union(city) for _ in range(7)]
    rollup.fold()  # the unions' own facts (unions.created)
    DailyFact.objects.bulk_create(
        [DailyFact(day=JAN, union_id=u.pk, path=u.path, metric=SUM, value=2) for u in units]
    )
    assert rollup.fold(batches=2, batch_size=3) == (6, True)
    assert _rolled(city.path) == 12
    assert rollup.fold(batches=2, batch_size=3) == (1, False)
    assert _rolled(city.path) == 14


def _warm_summary(node: Any, year: Any, stamp: int) -> Any:
    """The cached summary of ``node`` computed under the refresh stamp ``stamp`` (None if none)."""
    hit = cache.get(cockpit_cache._key(f"summary:{node.pk}:{node.path}:{year.key}:stood"))
    return hit[1] if isinstance(hit, tuple) and hit[0] == stamp else None


@pytest.mark.django_db
def test_once_the_figures_settle_the_periodic_job_warms_the_common_screens(
    django_capture_on_commit_callbacks, with_rollup
):
    """A refresh only drops the figures; the periodic job, finding nothing left to fold, computes
    the common screens under the new stamp — once per change of the figures."""
    from yugong.cockpit.tasks import cockpit_refresh
    from yugong.cockpit.warm import WARM_LEASE_KEY, WARMED_VERSION_KEY

    cache.delete_many([WARM_LEASE_KEY, WARMED_VERSION_KEY])
    city = make_union(None)
    district = make_union(city, kind="district")
    fact_record(metric=SUM, union_id=make_union(district).pk, value=3)
    before = version()
    with django_capture_on_commit_callbacks(execute=True):
        refresh.request("facts")
    v = version()
    assert v > before
    year = periods.year(local_today().year)
    assert _warm_summary(city, year, v) is None  # the refresh did not warm
    assert cockpit_refresh() is False  # nothing waits: the job warms
    for node in (city, district):
        assert _warm_summary(node, year, v) is not None  # computed under the new refresh stamp
    codes = {r["code"]: r["value"] for r in tables.summary(city, year, "stood")}
    assert codes[SUM] == 3 == selectors.metric_value(city, get_metric(SUM), year)
    cache.delete(WARM_LEASE_KEY)
    with CaptureQueriesContext(connection) as ctx:
        cockpit_refresh()  # the figures did not change since: no second warm
    assert len(ctx.captured_queries) <= 2, [q["sql"] for q in ctx.captured_queries]


@pytest.mark.django_db
def test_while_facts_flow_refreshes_drop_the_figures_and_nothing_is_warmed(
    django_capture_on_commit_callbacks, with_rollup, settings
):
    """Facts keep coming (a busy gate): every refresh bumps the version, so no stale figure is
    read, and none of them warms (the next refresh would drop it within seconds); the periodic job
    asks for a refresh while facts wait, and warms only once they are folded."""
    from yugong.cockpit.tasks import cockpit_refresh
    from yugong.cockpit.warm import WARM_LEASE_KEY, WARMED_VERSION_KEY

    settings.COCKPIT_WARM_SECONDS = 60
    cache.delete_many([WARM_LEASE_KEY, WARMED_VERSION_KEY])
    city = make_union(None)
    year = periods.year(local_today().year)
    try:
        for value in (2, 5):
            fact_record(metric=SUM, union_id=make_union(city).pk, value=value, buffered=True)
            with django_capture_on_commit_callbacks(execute=True):
                refresh.request("facts")
            assert _warm_summary(city, year, version()) is None
        fact_record(metric=SUM, union_id=city.pk, value=1, buffered=True)
        with django_capture_on_commit_callbacks(execute=True):
            assert cockpit_refresh() is True  # a fact waits: a refresh is asked, no warm
        assert _warm_summary(city, year, version()) is None
        assert cockpit_refresh() is False  # settled: warmed now
        assert _warm_summary(city, year, version()) is not None
        codes = {r["code"]: r["value"] for r in tables.summary(city, year, "stood")}
        assert codes[SUM] == 8 == selectors.metric_value(city, get_metric(SUM), year)
    finally:
        cache.delete_many([WARM_LEASE_KEY, WARMED_VERSION_KEY])


@pytest.mark.django_db
def test_a_rebuild_marks_what_it_counted_as_folded():
    city = make_union(None)
    fact_record(metric=SUM, union_id=city.pk, value=4, day=JAN)
    rollup.rebuild(start=JAN, end=local_today())  # (the union's own fact is dated today)
    assert not rollup.unfolded() and _rolled(city.path) == 4
    assert rollup.fold() == (0, False) and _rolled(city.path) == 4


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_folds_racing_writers_and_each_other_count_every_fact_once():
    """Writers keep adding to the same cells while four workers fold: in the end the roll-up holds
    every fact exactly once (what a rebuild from the facts computes)."""
    city = make_union(None)
    units = [make_union(make_union(city, kind="district")) for _ in range(3)]
    stop = threading.Event()

    def write(i: int) -> int:
        n = 0
        for k in range(40):
            with transaction.atomic():
                fact_record(metric=SUM, union_id=units[(i + k) % 3].pk, value=1, day=JAN)
            n += 1
        return n

    def fold(_i: int) -> int:
        total = 0
        while not stop.is_set():
            total += rollup.fold(batch_size=2)[0]
        return total

    folders: list[Any] = []
    t = threading.Thread(target=lambda: folders.extend(race(3, fold)))
    t.start()
    try:
        written = race(4, write)
    finally:
        stop.set()
        t.join(timeout=60)
    assert all(isinstance(r, int) for r in written + folders), written + folders
    rollup.fold()
    assert _rolled(city.path) == 160
    kept = set(MonthRollup.objects.values_list("month", "prefix", "metric", "dim", "value"))
    rollup.rebuild(start=JAN, end=JAN)
    assert set(MonthRollup.objects.values_list("month", "prefix", "metric", "dim", "value")) == kept
    assert not DomainEvent.objects.filter(kind="test").exists()


@pytest.mark.django_db
def test_a_refresh_drains_buffered_facts_before_it_folds_and_the_periodic_job_sees_them():
    """Hot write paths buffer their facts (core's fact buffer): the refresh adds them to their cells
    and folds them in the same delivery; the periodic job asks for a refresh while any wait."""
    from yugong.cockpit.tasks import cockpit_refresh
    from yugong.core.facts import fact_buffered

    city = make_union(None)
    unit = make_union(make_union(city, kind="district"))
    rollup.fold()
    fact_record(metric=SUM, union_id=unit.pk, value=3, day=JAN, buffered=True)
    assert not rollup.unfolded() and fact_buffered()  # nothing in the cells yet
    assert cockpit_refresh() is True  # the periodic job: something waits
    event = events.event_publish(kind=refresh.EVENT, payload={"reason": "facts"})
    handlers.refresh_rollup(event)
    assert _rolled(city.path) == 3 and not fact_buffered() and not rollup.unfolded()
    assert DailyFact.objects.get(union_id=unit.pk, metric=SUM).folded == 3
