"""Races with real threads against PostgreSQL (skipped on SQLite, which serialises writers).

Each scenario first shows what the guard prevents: the control test runs the same race through a
naive read-then-write stock path (a test-only flag) and oversells; the guarded path never does."""

from __future__ import annotations

from typing import Any
from unittest import mock

import pytest
from django.db import connection

from tests.helpers import requires_postgres
from tests.race import race
from yugong.core.errors import ApplicationError
from yugong.funds import ledger
from yugong.tourism.gateways import sim_notification
from yugong.tourism.models import Order, PassEntry, Session, Ticket
from yugong.tourism.services import (
    order_place,
    pass_batch_approve,
    pass_batch_request,
    pass_qr_token,
    pass_verify,
    payment_notify,
    payment_start,
)

from .factories import build_world, funded_line, make_member, set_pool

pytestmark = [requires_postgres, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _buyers(world: Any, n: int) -> list[Any]:
    return [make_member(world.company)[0] for _ in range(n)]


RUSH_BUYERS, RUSH_SEATS = 30, 10


@pytest.mark.parametrize("one_statement", [True, False], ids=["one-statement", "orm-path"])
def test_no_oversell_under_a_rush(settings: Any, one_statement: bool) -> None:
    """Both guarded paths (the one-statement path of plain products and the ORM path that products
    with limits or eligibility rules take) under the very race the control below loses."""
    settings.TOURISM_ORDER_ONE_STATEMENT = one_statement
    world = build_world(capacity=RUSH_SEATS)
    buyers = _buyers(world, RUSH_BUYERS)
    results = race(
        RUSH_BUYERS,
        lambda i: order_place(
            actor=buyers[i], session_id=world.session.pk, quantity=1, idempotency_key=f"k{i}"
        ),
    )
    won = [r for r in results if isinstance(r, tuple)]
    lost = [r for r in results if isinstance(r, ApplicationError)]
    assert len(won) == RUSH_SEATS and len(lost) == RUSH_BUYERS - RUSH_SEATS, results
    assert all(e.status == 409 and e.code == "sold_out" for e in lost)
    session = Session.objects.get(pk=world.session.pk)
    assert session.remaining == 0
    assert Order.objects.filter(session=session).count() == RUSH_SEATS
    assert Ticket.objects.filter(order__session=session).count() == RUSH_SEATS


def test_control_naive_stock_path_oversells() -> None:
    """CONTROL: the same race (same buyers, seats and barrier as above) through a read-then-write
    stock update sells more than the capacity, and the stock figure no longer matches the orders
    (a lost update). This shows the race harness really races; the guard is what makes the tests
    above pass, not luck."""
    world = build_world(capacity=RUSH_SEATS)
    buyers = _buyers(world, RUSH_BUYERS)
    results = race(
        RUSH_BUYERS,
        lambda i: order_place(
            actor=buyers[i],
            session_id=world.session.pk,
            quantity=1,
            idempotency_key=f"k{i}",
            _unsafe_naive_stock=True,
        ),
    )
    won = [r for r in results if isinstance(r, tuple)]
    assert len(won) > RUSH_SEATS, "the naive path should have oversold; the race did not show"
    orders = Order.objects.filter(session=world.session).count()
    assert orders == len(won) > world.session.capacity
    session = Session.objects.get(pk=world.session.pk)
    assert session.capacity - session.remaining < orders  # seats taken per the stock < orders made


def test_same_idempotency_key_concurrently_gives_one_order() -> None:
    world = build_world(capacity=50)
    results = race(
        12,
        lambda i: order_place(
            actor=world.worker, session_id=world.session.pk, quantity=2, idempotency_key="same"
        ),
    )
    assert all(isinstance(r, tuple) for r in results), results
    assert len({r[0].pk for r in results}) == 1
    assert sum(1 for r in results if r[1]) == 1  # exactly one created, the rest replayed
    assert Session.objects.get(pk=world.session.pk).remaining == 48
    assert Order.objects.count() == 1


def test_purchase_limit_holds_under_concurrency() -> None:
    world = build_world(capacity=50)
    world.product.limit_per_day = 1
    world.product.save()
    results = race(
        10,
        lambda i: order_place(
            actor=world.worker, session_id=world.session.pk, quantity=1, idempotency_key=f"k{i}"
        ),
    )
    assert sum(1 for r in results if isinstance(r, tuple)) == 1, results
    assert Order.objects.count() == 1


def test_duplicate_notifications_concurrently_pay_once() -> None:
    world = build_world(capacity=5)
    order, _ = order_place(actor=world.worker, session_id=world.session.pk, quantity=2, idempotency_key="a")
    payment, _url = payment_start(actor=world.worker, order=order)
    body, sig = sim_notification(payment.provider_ref, payment.amount_fen, event_id="evt_same")
    other_body, other_sig = sim_notification(payment.provider_ref, payment.amount_fen, event_id="evt_other")
    results = race(
        10,
        lambda i: payment_notify(
            provider="sim", body=body if i % 2 else other_body, signature=sig if i % 2 else other_sig
        ),
    )
    assert results.count("paid") == 1, results
    assert set(results) <= {"paid", "duplicate", "already_settled"}
    assert ledger.balance(ledger.PLATFORM_CASH) == payment.amount_fen
    assert Session.objects.get(pk=world.session.pk).sold == 2


@pytest.mark.parametrize("one_statement", [True, False], ids=["one-statement", "orm"])
def test_pass_entry_once_a_day_under_concurrency(one_statement: bool, settings: Any) -> None:
    """Eight gates scan the same pass at once at a once-a-day spot: one admission (the statement
    that loses the pass's row lock read its snapshot before the winner committed, and fails on the
    unique index; later ones see the entry), every scan logged, the merchant paid once."""
    from yugong.core.timeutil import local_today
    from yugong.tourism.services import pass_sql

    settings.TOURISM_PASS_ONE_STATEMENT = one_statement
    world = build_world()
    assert world.spot.one_entry_per_day and world.spot.daily_limit is None

    batch = pass_batch_request(
        actor=world.union_staff,
        union=world.company,
        year=local_today().year,
        price_fen=15000,
        person_ids=[world.person.pk],
        budget_line=funded_line(world.company),
    )
    (annual_pass,) = pass_batch_approve(actor=world.chair, batch=batch)
    # Every pool row covers an entry (one price spread over 16 rows would not: the several-row take
    # is the ORM path's).
    set_pool(annual_pass.year, world.spot.rate_fen * 100, rows=4)
    token = pass_qr_token(annual_pass)
    admitted_by_statement: list[int] = []
    admit = pass_sql.admit_one_statement

    def counted(**kwargs: Any) -> Any:
        entry = admit(**kwargs)
        if entry is not None:
            admitted_by_statement.append(entry.pk)
        return entry

    with mock.patch("yugong.tourism.services.passes.admit_one_statement", counted):
        results = race(
            8, lambda i: pass_verify(actor=world.other_staff, token=token, spot_id=world.spot.pk).result
        )
    assert results.count("ok") == 1, results
    assert len(admitted_by_statement) == int(one_statement)
    assert PassEntry.objects.count() == 8
    assert set(PassEntry.objects.exclude(result="ok").values_list("reason", flat=True)) == {
        "该年票今日已在本景点入园，每日限一次。"
    }
    assert ledger.balance(ledger.merchant_payable(world.other_merchant.pk)) == -world.spot.rate_fen


def test_the_hold_commits_asynchronously_and_the_setting_does_not_leak(settings: Any) -> None:
    """Outside a transaction the one statement commits without waiting for the WAL flush
    (set_config(..., true) lasts to that statement's own commit); the pooled connection is back to
    synchronous commits right after, and inside a caller's transaction nothing changes."""
    from django.db import transaction
    from django.test.utils import CaptureQueriesContext

    world = build_world(capacity=5)

    def synchronous_commit() -> str:
        with connection.cursor() as cursor:
            cursor.execute("SHOW synchronous_commit")
            return str(cursor.fetchone()[0])

    with CaptureQueriesContext(connection) as ctx:
        order_place(actor=world.worker, session_id=world.session.pk, quantity=1, idempotency_key="a")
    assert "set_config('synchronous_commit', 'off', true)" in ctx.captured_queries[-1]["sql"]
    assert synchronous_commit() == "on"
    with transaction.atomic(), CaptureQueriesContext(connection) as ctx:
        order_place(actor=world.worker, session_id=world.session.pk, quantity=1, idempotency_key="b")
    assert not any("set_config" in q["sql"] for q in ctx.captured_queries)
    settings.TOURISM_ORDER_ASYNC_COMMIT = False
    with CaptureQueriesContext(connection) as ctx:
        order_place(actor=world.worker, session_id=world.session.pk, quantity=1, idempotency_key="c")
    assert not any("set_config" in q["sql"] for q in ctx.captured_queries)
    assert Order.objects.filter(session=world.session).count() == 3
    assert Session.objects.get(pk=world.session.pk).remaining == 2


POOL_PASSES, POOL_ENTRIES = 8, 3


@pytest.mark.parametrize(
    ("naive", "one_statement"),
    [(False, True), (False, False), (True, False)],
    ids=["guarded-one-statement", "guarded-orm", "control-naive"],
)
def test_the_pass_pool_cannot_be_overdrawn(naive: bool, one_statement: bool, settings: Any) -> None:
    """Eight holders of different passes reach one spot at once with money in the pool for three
    entries. The conditional UPDATE admits exactly three and the pool ends at zero; the control
    (read the balance, write it back) admits more than the pool pays for — the lost update the
    guard prevents (the CHECK constraint cannot see it: the balance it writes is not negative)."""
    from yugong.core.timeutil import local_today
    from yugong.tourism.services.spots import pool_balance

    settings.TOURISM_PASS_ONE_STATEMENT = one_statement
    world = build_world()
    people = [world.person.pk] + [make_member(world.company)[1].pk for _ in range(POOL_PASSES - 1)]
    year = local_today().year
    batch = pass_batch_request(
        actor=world.union_staff,
        union=world.company,
        year=year,
        price_fen=15000,
        person_ids=people,
        budget_line=funded_line(world.company),
    )
    passes = pass_batch_approve(actor=world.chair, batch=batch)
    # Two rows of 1.5 entries each: two admissions take from one row, the third from both (under all
    # of the year's row locks); the control reads and writes one row.
    set_pool(year, world.spot.rate_fen * POOL_ENTRIES, rows=1 if naive else 2)
    tokens = [pass_qr_token(p) for p in passes]
    results = race(
        POOL_PASSES,
        lambda i: pass_verify(
            actor=world.other_staff, token=tokens[i], spot_id=world.spot.pk, _unsafe_naive_pool=naive
        ).result,
    )
    admitted = results.count("ok")
    assert PassEntry.objects.count() == POOL_PASSES, results  # every verification is logged
    if naive:
        assert admitted > POOL_ENTRIES, results
        return
    assert admitted == POOL_ENTRIES, results
    assert pool_balance(year) == 0
    assert "余额不足" in PassEntry.objects.filter(result="denied").first().reason
    assert (
        ledger.balance(ledger.merchant_payable(world.other_merchant.pk))
        == -world.spot.rate_fen * POOL_ENTRIES
    )


@pytest.mark.parametrize("rows", [4, 1])
def test_an_admission_does_not_wait_for_another_open_one_when_the_pool_has_rows(
    rows: int, settings: Any
) -> None:
    """The pool's rows are why concurrent admissions stop queueing: while one admission's
    transaction holds the row it took from (waiting for its commit), a second takes from another
    row at once. The control (the year's money in one row) has to wait for the first's commit."""
    import threading

    from django.db import transaction

    from yugong.core.timeutil import local_today
    from yugong.tourism.services.spots import pool_balance, pool_take

    settings.TOURISM_PASS_POOL_SLOTS = rows
    year = local_today().year
    set_pool(year, 1000, rows=rows)
    holding, release = threading.Event(), threading.Event()

    def first() -> None:
        try:
            with transaction.atomic():
                assert pool_take(year=year, amount_fen=10, prefer=0)
                holding.set()
                release.wait(10)
        finally:
            connection.close()

    got: list[bool] = []

    def second() -> None:
        try:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL lock_timeout = '300ms'")
                try:
                    got.append(pool_take(year=year, amount_fen=10, prefer=0))
                except Exception:  # noqa: BLE001 - the lock timeout: it had to wait
                    got.append(False)
        finally:
            connection.close()

    t = threading.Thread(target=first)
    t.start()
    assert holding.wait(10)
    s = threading.Thread(target=second)
    s.start()
    s.join(10)
    release.set()
    t.join(10)
    assert got == [rows > 1]
    assert pool_balance(year) == 1000 - 10 * (1 + (rows > 1))


def _hold_every_pool_row(year: int) -> tuple[Any, Any]:
    """A thread whose transaction holds every row of the year's pool until released."""
    import threading

    from django.db import transaction

    from yugong.tourism.models import PassPool

    holding, release = threading.Event(), threading.Event()

    def hold() -> None:
        try:
            with transaction.atomic():
                list(PassPool.objects.select_for_update().filter(year=year))
                holding.set()
                release.wait(10)
        finally:
            connection.close()

    t = threading.Thread(target=hold)
    t.start()
    assert holding.wait(10)
    return t, release


def test_the_one_statement_pool_take_never_waits(settings: Any) -> None:
    """The fast path's take (``pool_take_sql``) skips every held row and never waits: a probe can
    keep the lock of a row whose re-check failed, and a statement that then waited for another row
    would hold one lock while waiting out of slot order (the deadlock CI once met). With every row
    held it takes nothing at once; the ORM path's ``pool_take`` is the one that waits (the
    control: it hits the lock timeout)."""
    from django.db import transaction

    from yugong.core.timeutil import local_today
    from yugong.tourism.services.spots import pool_balance, pool_take, pool_take_sql

    settings.TOURISM_PASS_POOL_SLOTS = 3
    year = local_today().year
    set_pool(year, 300, rows=3)
    t, release = _hold_every_pool_row(year)
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL lock_timeout = '300ms'")
            cursor.execute(
                pool_take_sql(year="%(year)s", amount="%(amount)s", prefer="%(prefer)s"),
                {"year": year, "amount": 10, "prefer": 1},
            )
            assert cursor.rowcount == 0
        with pytest.raises(Exception, match="lock timeout"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '300ms'")
            pool_take(year=year, amount_fen=10, prefer=1)
    finally:
        release.set()
        t.join(10)
    assert pool_balance(year) == 300


def test_admissions_over_a_short_pool_never_deadlock(settings: Any) -> None:
    """Ten gates admit at once, again and again, over a pool that runs dry in each round: each tries
    the fast path's statement first and, on a miss, the ORM path's ``pool_take`` (waiting, or the
    several-row take of the last fen), exactly as ``pass_verify`` does. Re-checks fail, rows run
    short, every step of the take meets every other: no deadlock and no error, and every fen taken
    is accounted for."""
    import random
    import time

    from django.db import transaction

    from yugong.core.timeutil import local_today
    from yugong.tourism.services.spots import pool_balance, pool_take, pool_take_sql

    settings.TOURISM_PASS_POOL_SLOTS = 3
    year = local_today().year
    sql = pool_take_sql(year="%(year)s", amount="%(amount)s", prefer="%(prefer)s")
    for round_ in range(6):
        set_pool(year, 120, rows=3)
        rng = random.Random(round_)  # noqa: S311 - test data
        plans = [[rng.randint(2, 9) for _ in range(20)] for _ in range(10)]

        def admit(i: int, plans: list[list[int]] = plans) -> int:
            taken = 0
            for k, amount in enumerate(plans[i]):
                params = {"year": year, "amount": amount, "prefer": i * 31 + k}
                with connection.cursor() as cursor:
                    cursor.execute(sql, params)
                    if cursor.rowcount == 1:
                        taken += amount
                        continue
                with transaction.atomic():
                    if pool_take(year=year, amount_fen=amount, prefer=i * 31 + k):
                        taken += amount
                        time.sleep(0.002)  # the admission's other writes, holding what it took
            return taken

        results = race(10, admit)
        assert not [r for r in results if isinstance(r, BaseException)], results
        assert sum(results) + pool_balance(year) == 120
        assert pool_balance(year) < 9
