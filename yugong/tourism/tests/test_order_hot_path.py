"""The order hot path: on PostgreSQL one statement reads, checks, takes the stock and writes the
order and tickets (services.order_sql.place_one_statement); products with limits or eligibility rules
fall back to the ORM path. Same answers, same refusals on both backends."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.helpers import UserFactory, is_postgres
from yugong.accounts.services import api_token_create
from yugong.core.errors import Conflict, NotFound
from yugong.core.timeutil import now
from yugong.tourism.api import OrderOut
from yugong.tourism.models import Order, ReviewStatus, Session, Ticket
from yugong.tourism.services import order_place

from .factories import World, make_session

pytestmark = pytest.mark.django_db


def _statements(ctx: CaptureQueriesContext) -> list[str]:
    """What ran, without the savepoints the test's own transaction adds around atomic blocks."""
    return [q["sql"] for q in ctx.captured_queries if "SAVEPOINT" not in q["sql"]]


def _place(world: World, key: str, *, actor: Any = None, session: Session | None = None, q: int = 1) -> Any:
    return order_place(
        actor=actor or world.worker,
        session_id=(session or world.session).pk,
        quantity=q,
        idempotency_key=key,
        holder_names=["李四"],
    )


def test_one_statement_on_postgresql(world: World) -> None:
    with CaptureQueriesContext(connection) as ctx:
        order, created = _place(world, "a", q=2)
    assert created
    if is_postgres():
        assert len(_statements(ctx)) == 1, _statements(ctx)
    stored = Order.objects.get(pk=order.pk)
    for field in ("number", "quantity", "unit_price_fen", "list_price_fen", "amount_fen", "status"):
        assert getattr(stored, field) == getattr(order, field), field
    assert stored.hold_expires_at == order.hold_expires_at and stored.union_id is None
    tickets = list(Ticket.objects.filter(order=stored).order_by("seq"))
    assert [(t.seq, t.holder_name, t.token) for t in tickets] == [
        (t.seq, t.holder_name, t.token) for t in order.new_tickets
    ]
    assert [t.holder_name for t in tickets] == ["李四", "张师傅"]
    assert tickets[0].holder_user_id == world.worker.pk and tickets[1].holder_user_id is None
    assert Session.objects.get(pk=world.session.pk).remaining == 8


def test_api_answer_equals_the_stored_order(world: World) -> None:
    c = Client()
    c.force_login(world.worker)
    created = c.post(
        "/api/v1/tourism/orders",
        data=json.dumps({"session_id": world.session.pk, "quantity": 2}),
        content_type="application/json",
        headers={"Idempotency-Key": "k"},
    )
    assert created.status_code == 201
    assert created["Content-Type"] == "application/json; charset=utf-8"
    OrderOut.model_validate(created.json())  # sent without Ninja's validation: still the schema
    stored = c.get(f"/api/v1/tourism/orders/{created.json()['id']}")
    assert created.json() == stored.json()


def test_refusals_are_the_same(world: World) -> None:
    started = make_session(world.product)
    Session.objects.filter(pk=started.pk).update(starts_at=now() - dt.timedelta(minutes=1))
    with pytest.raises(Conflict) as err:
        _place(world, "closed", session=started)
    assert err.value.code == "session_closed" and "已开始" in str(err.value.message)
    inactive = make_session(world.product)
    Session.objects.filter(pk=inactive.pk).update(active=False)
    with pytest.raises(NotFound):
        _place(world, "inactive", session=inactive)
    with pytest.raises(NotFound):
        order_place(actor=world.worker, session_id=10**9, quantity=1, idempotency_key="none")
    type(world.product).objects.filter(pk=world.product.pk).update(status=ReviewStatus.SUSPENDED)
    with pytest.raises(NotFound):
        _place(world, "suspended")
    type(world.product).objects.filter(pk=world.product.pk).update(status=ReviewStatus.APPROVED)
    type(world.merchant).objects.filter(pk=world.merchant.pk).update(status=ReviewStatus.SUSPENDED)
    with pytest.raises(NotFound):
        _place(world, "merchant")
    assert Order.objects.count() == 0
    assert Session.objects.get(pk=world.session.pk).remaining == 10


def test_prices_are_read_with_the_stock(world: World) -> None:
    type(world.product).objects.filter(pk=world.product.pk).update(member_price_fen=5000)
    order, _ = _place(world, "p")  # the in-memory world.product still says 8000
    assert order.unit_price_fen == 5000 and Order.objects.get(pk=order.pk).amount_fen == 5000


def test_rules_fall_back_to_the_checked_path(world: World) -> None:
    world.product.members_only = True
    world.product.save()
    with pytest.raises(Conflict) as err:
        _place(world, "a", actor=UserFactory())
    assert err.value.code == "members_only"
    order, created = _place(world, "b")
    assert created and order.union_id == world.company.pk  # the member path records the union
    assert Session.objects.get(pk=world.session.pk).remaining == 9


def test_replay_after_sold_out_returns_the_first_order(world: World) -> None:
    first, _ = _place(world, "mine", q=5)
    _place(world, "other", actor=UserFactory(), q=5)
    again, created = _place(world, "mine", q=5)
    assert not created and again.pk == first.pk
    with pytest.raises(Conflict) as err:
        _place(world, "third")
    assert err.value.code == "sold_out"


def test_order_api_with_a_cached_token_is_one_query_on_postgresql(world: World) -> None:
    _row, token = api_token_create(actor=world.worker, user=world.worker, name="app")
    c = Client()

    def post(key: str) -> Any:
        return c.post(
            "/api/v1/tourism/orders",
            data=json.dumps({"session_id": world.session.pk, "quantity": 1}),
            content_type="application/json",
            headers={"Idempotency-Key": key, "Authorization": f"Bearer {token}"},
        )

    assert post("warm").status_code == 201
    with CaptureQueriesContext(connection) as ctx:
        assert post("hot").status_code == 201
    # PostgreSQL: the one statement, its audit row included (no token look-up); SQLite: session,
    # order, tickets, audit row, stock.
    assert len(_statements(ctx)) == (1 if is_postgres() else 5), _statements(ctx)
