"""One rule, two paths (issue 11 item 3; issue 12 item 7): every refusal of ``order_place`` is driven
through the PostgreSQL one statement and through the ORM path, and the two must agree (same error
class, code, message and fields); an order and its cancellation write the same audit rows on both.

The one statement exists only on PostgreSQL, so this file runs there (CI and the PostgreSQL run)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.helpers import requires_postgres
from yugong.core.audit import AuditEvent
from yugong.core.errors import ApplicationError
from yugong.core.timeutil import now
from yugong.tourism.models import Order, ReviewStatus
from yugong.tourism.services import order_cancel, order_place
from yugong.tourism.services.order_rules import ORDER_PLACE_ACTION, needs_checks

from .factories import World, build_world

pytestmark = [requires_postgres, pytest.mark.postgres, pytest.mark.django_db]


def _sold_out(w: World) -> None:
    w.session.remaining = 0
    w.session.save(update_fields=["remaining"])


def _set(obj: Any, **fields: Any) -> None:
    for k, v in fields.items():
        setattr(obj, k, v)
    obj.save(update_fields=list(fields))


# name -> (arrange the world, keyword overrides for order_place)
CASES: dict[str, tuple[Callable[[World], None], dict[str, Any]]] = {
    "missing session": (lambda w: None, {"session_id": 999_999_999}),
    "session id not a number": (lambda w: None, {"session_id": "abc"}),
    "inactive session": (lambda w: _set(w.session, active=False), {}),
    **{
        f"product {status}": (lambda w, s=status: _set(w.product, status=s), {})
        for status in ReviewStatus.values
        if status != ReviewStatus.APPROVED
    },
    **{
        f"merchant {status}": (lambda w, s=status: _set(w.merchant, status=s), {})
        for status in ReviewStatus.values
        if status != ReviewStatus.APPROVED
    },
    "session started": (lambda w: _set(w.session, starts_at=now() - dt.timedelta(minutes=1)), {}),
    "sold out": (_sold_out, {}),
    "not enough left": (lambda w: _set(w.session, remaining=1), {"quantity": 2}),
    "quantity zero": (lambda w: None, {"quantity": 0}),
    "quantity over the family limit": (lambda w: None, {"quantity": 99}),
    "no idempotency key": (lambda w: None, {"idempotency_key": ""}),
    "idempotency key too long": (lambda w: None, {"idempotency_key": "k" * 81}),
    "anonymous": (lambda w: None, {"actor": None}),
    "members only, not a member": (lambda w: _set(w.product, members_only=True), {"actor": "outsider"}),
    "union rule, other union": (
        lambda w: w.product.eligible_unions.set([w.other]),
        {},
    ),
    "over the daily limit": (lambda w: _set(w.product, limit_per_day=1), {"quantity": 2}),
    "over the yearly limit": (lambda w: _set(w.product, limit_per_year=1), {"quantity": 2}),
    "seat map, no seats chosen": (lambda w: _set(w.session, seat_rows=[["A", "A"]]), {}),
    "started and sold out": (
        lambda w: (_sold_out(w), _set(w.session, starts_at=now() - dt.timedelta(minutes=1))),
        {},
    ),
}


def _attempt(settings: Any, one_statement: bool, name: str) -> tuple[Any, list[str]]:
    """Build a fresh world, arrange the case, place the order; (outcome, SQL run)."""
    settings.TOURISM_ORDER_ONE_STATEMENT = one_statement
    world = build_world()
    arrange, overrides = CASES[name]
    arrange(world)
    kwargs: dict[str, Any] = {
        "actor": world.worker,
        "session_id": world.session.pk,
        "quantity": 1,
        "idempotency_key": f"twin-{name}",
        **overrides,
    }
    if kwargs["actor"] == "outsider":
        from tests.helpers import UserFactory

        kwargs["actor"] = UserFactory()
    with CaptureQueriesContext(connection) as ctx:
        try:
            order, created = order_place(**kwargs)
            outcome: Any = ("placed", created, order.quantity)
        except ApplicationError as exc:
            outcome = (type(exc).__name__, exc.code, str(exc.message), exc.as_body()["fields"])
    return outcome, [q["sql"] for q in ctx.captured_queries]


def _one_statement_ran(sqls: list[str]) -> bool:
    return any("), checks AS (" in sql for sql in sqls)


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_refusal_agrees_on_both_paths(settings: Any, name: str) -> None:
    fast, fast_sql = _attempt(settings, True, name)
    orm, orm_sql = _attempt(settings, False, name)
    assert fast == orm, (name, fast, orm)
    assert fast[0] != "placed", f"{name}: expected a refusal, got {fast}"
    assert not _one_statement_ran(orm_sql)


def test_the_plain_refusals_really_ran_the_one_statement(settings: Any) -> None:
    """The cases decided by the session/product/merchant snapshot reach the statement (it is the
    statement, not an earlier Python check, that refuses them on the fast path)."""
    for name in (
        "missing session",
        "inactive session",
        "product pending",
        "merchant suspended",
        "session started",
        "sold out",
        "not enough left",
        "started and sold out",
    ):
        _, sqls = _attempt(settings, True, name)
        assert _one_statement_ran(sqls), name


@pytest.mark.parametrize(
    "flags",
    [
        {},
        {"members_only": True},
        {"restricted": True},
        {"limit_per_day": 3},
        {"limit_per_year": 3},
        {"seated": True},
    ],
)
def test_the_statement_and_the_python_rule_agree_on_needs_checks(
    settings: Any, flags: dict[str, Any]
) -> None:
    """``needs_checks`` (Python) and the statement's ``needs_checks`` column send the same products
    to the ORM path."""
    from yugong.tourism.services.order_sql import place_one_statement

    world = build_world()
    product_fields = {
        k: v for k, v in flags.items() if k in ("members_only", "limit_per_day", "limit_per_year")
    }
    if product_fields:
        _set(world.product, **product_fields)
    if flags.get("restricted"):
        world.product.eligible_unions.set([world.company])
    if flags.get("seated"):
        _set(world.session, seat_rows=[["A", "A"]])
    expected = needs_checks(
        members_only=bool(flags.get("members_only")),
        restricted=bool(flags.get("restricted")),
        limit_per_day=flags.get("limit_per_day"),
        limit_per_year=flags.get("limit_per_year"),
        seated=bool(flags.get("seated")),
    )
    placed = place_one_statement(world.worker, world.session.pk, 1, "k", [])
    assert (placed is None) == expected


@pytest.mark.parametrize("one_statement", [True, False], ids=["one-statement", "orm-path"])
def test_placing_and_cancelling_write_the_same_audit_rows(settings: Any, one_statement: bool) -> None:
    settings.TOURISM_ORDER_ONE_STATEMENT = one_statement
    world = build_world()
    with CaptureQueriesContext(connection) as ctx:
        order, _ = order_place(
            actor=world.worker, session_id=world.session.pk, quantity=2, idempotency_key="a"
        )
    assert _one_statement_ran([q["sql"] for q in ctx.captured_queries]) == one_statement
    placed = AuditEvent.objects.get(action=ORDER_PLACE_ACTION)
    assert placed.actor_id == world.worker.pk
    assert placed.actor_label == world.worker.display_name
    assert (placed.object_type, placed.object_id, placed.object_repr) == (
        "tourism.order",
        str(order.pk),
        order.number,
    )
    assert placed.extra == {"session": world.session.pk, "quantity": 2}
    order_cancel(actor=world.worker, order=order.pk)
    cancelled = AuditEvent.objects.get(action="tourism.order_cancel")
    assert cancelled.object_id == str(order.pk) and cancelled.actor_id == world.worker.pk
    assert Order.objects.get(pk=order.pk).status == Order.Status.CANCELLED
