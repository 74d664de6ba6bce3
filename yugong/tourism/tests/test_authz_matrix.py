"""The authorization matrix for tourism (百万职工游巴蜀): every console page, merchant workbench page,
worker order page and API operation × every actor × inside / outside the actor's reach.

Three tables, because tourism has three kinds of people:

* **Console** (the shared world of ``yugong.orgs.tests.authz``: chair, staff, viewer and hotline at
  district A, a system administrator, a worker, anonymous). The platform side (merchant and product
  review, settlement) belongs to the platform roles at a merchant's host union or above (chair and
  staff here); union purchases (group orders, annual passes) to the buying union's staff, approved
  by its chair. Inside = district A's merchant / grassroots union a1; outside = district B's.
  Pass-spot review is the city's (a role at the root), so every district actor is refused it.
* **Merchant workbench** (its own actors: the merchant's owner, shop staff and gate staff, a union
  staff member without a merchant, a worker, anonymous). Inside = the actor's own merchant;
  outside = another merchant: 404 like missing. Staff management and pass spots are the owner's.
* **Worker orders**: a worker reaches their own order; another worker's answers 404.

A refusal is a status (403/404), never a message beside a redirect (``core.errors.reraise_refusal``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest

from tests.helpers import UserFactory, grant
from yugong.core.timeutil import local_today
from yugong.orgs.tests.authz import (
    ANY_CONSOLE,
    MANAGE,
    Route,
    World,
    build_world,
    cases,
    check,
    module_world,
)
from yugong.tourism.models import MerchantStaff, PassSpot, ReviewStatus
from yugong.tourism.services import (
    group_order_request,
    order_place,
    pass_batch_request,
    statement_build,
)

from .factories import funded_line, make_member, make_merchant, make_product, make_session

LEAD = frozenset({"chair"})
NOBODY: frozenset[str] = frozenset()


def _world() -> World:
    world = build_world()
    for where in ("inside", "outside"):
        host = world.obj("district", where)
        merchant, owner = make_merchant(host, name=f"{where}剧团")
        product = make_product(merchant, title=f"{where}话剧")
        pending = make_product(merchant, title=f"{where}新剧")
        pending.status = ReviewStatus.PENDING
        pending.save(update_fields=["status"])
        merchant_pending, _ = make_merchant(host, name=f"{where}待审商户")
        merchant_pending.status = ReviewStatus.PENDING
        merchant_pending.save(update_fields=["status"])
        session = make_session(product, capacity=50)
        spot = PassSpot.objects.create(
            merchant=merchant, name=f"{where}景点", rate_fen=3000, status=ReviewStatus.PENDING
        )
        leaf = world.obj("union", where)
        chair = UserFactory(is_staff=True)
        grant(chair, leaf, "chair")
        buyer_user, buyer_person = make_member(leaf, name=f"{where}职工")
        group = group_order_request(
            actor=chair,
            union=leaf,
            session=session,
            activity="工会活动",
            seats=2,
            attendee_ids=[buyer_person.pk],
            budget_line=funded_line(leaf),
        )
        batch = pass_batch_request(
            actor=chair,
            union=leaf,
            year=local_today().year,
            price_fen=100,
            person_ids=[buyer_person.pk],
            budget_line=funded_line(leaf),
        )
        world.objects.update(
            {
                ("merchant", where): merchant,
                ("owner", where): owner,
                ("merchant_pending", where): merchant_pending,
                ("product", where): product,
                ("product_pending", where): pending,
                ("session", where): session,
                ("spot", where): spot,
                ("group", where): group,
                ("batch", where): batch,
                ("buyer", where): buyer_user,
            }
        )
    # A statement per merchant, built by a platform staff member at the root.
    root_staff = UserFactory(is_staff=True)
    grant(root_staff, world.city, "staff")
    today = local_today()
    for where in ("inside", "outside"):
        world.objects[("statement", where)] = statement_build(
            actor=root_staff, merchant_id=world.pk("merchant", where), start=today, end=today
        )
    # The worker of the shared world is a member of a1 with an order of their own.
    worker = world.users["worker"]
    make_member(world.obj("union", "inside"), user=worker)
    for where, buyer in (("inside", worker), ("outside", world.obj("buyer", "outside"))):
        order, _ = order_place(
            actor=buyer,
            session_id=world.pk("session", "inside"),
            quantity=1,
            idempotency_key=f"authz-{where}",
        )
        world.objects[("order", where)] = order
    # Merchant workbench actors (their own merchant is "inside").
    inside = world.obj("merchant", "inside")
    world.users["owner"] = world.obj("owner", "inside")
    for role in ("staff", "gate"):
        user = UserFactory(username=f"authz_m_{role}")
        MerchantStaff.objects.create(merchant=inside, user=user, role=role)
        world.users[f"m_{role}"] = user
    return world


tourism_world = module_world(_world)


def url(template: str, *names: str) -> Any:
    """A URL with the pk of each named object (inside or outside) in order."""
    return lambda w, where: template.format(*(w.pk(n, where) for n in names))


def fixed(path: str) -> Any:
    return lambda w, where: path


DECIDE = {"decision": "reject", "note": "矩阵测试"}

# Refused by the platform rule: a role without a platform role looks, finds nothing to act on (404).
_REVIEW_DENIED = 404


def _spot_review(actor: str, where: str, *, api: bool = False) -> int | None:
    """Spot review is the city's. A platform role at the spot's host district sees the spot and is
    refused (403); everyone else finds nothing (404)."""
    if actor == "anonymous" or (actor == "worker" and not api):
        return None  # the default: sign in / the console's door
    if actor in MANAGE and where == "inside":
        return 403
    return 404


CONSOLE_ROUTES = [
    # Platform: review and settlement (lists are scoped; actions on one object are scoped)
    Route("merchants", "GET", fixed("/tourism/console/merchants/"), ANY_CONSOLE, scoped=False),
    Route(
        "merchant review",
        "POST",
        url("/tourism/console/merchants/{}/review/", "merchant_pending"),
        MANAGE,
        ok=302,
        denied=_REVIEW_DENIED,
        data=lambda w, where: DECIDE,
    ),
    Route("products", "GET", fixed("/tourism/console/products/"), ANY_CONSOLE, scoped=False),
    Route(
        "product review",
        "POST",
        url("/tourism/console/products/{}/review/", "product_pending"),
        MANAGE,
        ok=302,
        denied=_REVIEW_DENIED,
        data=lambda w, where: DECIDE,
    ),
    Route("settlement", "GET", fixed("/tourism/console/settlement/"), ANY_CONSOLE, scoped=False),
    Route(
        "statement build",
        "POST",
        fixed("/tourism/console/settlement/statements/"),
        MANAGE,
        ok=302,
        scoped=True,
        denied=_REVIEW_DENIED,
        data=lambda w, where: {
            "merchant": w.pk("merchant", where),
            "start": local_today().isoformat(),
            "end": local_today().isoformat(),
        },
    ),
    Route(
        "payout",
        "POST",
        url("/tourism/console/settlement/{}/payout/", "statement"),
        LEAD,  # finance or the chair
        ok=302,
        denied=_REVIEW_DENIED,
        data=lambda w, where: {"reference": "BANK-1"},
    ),
    Route(
        "statement export",
        "GET",
        url("/tourism/console/settlement/{}.xlsx", "statement"),
        MANAGE,
        denied=_REVIEW_DENIED,
    ),
    Route(
        "reconciliation export",
        "GET",
        fixed("/tourism/console/reconciliation.xlsx"),
        ANY_CONSOLE,
        scoped=False,
    ),
    Route("pass spots", "GET", fixed("/tourism/console/pass-spots/"), ANY_CONSOLE, scoped=False),
    Route(
        "pass spot review",
        "POST",
        url("/tourism/console/pass-spots/{}/review/", "spot"),
        NOBODY,  # the city's: no district actor
        ok=302,
        data=lambda w, where: DECIDE,
        expect=lambda actor, where: _spot_review(actor, where),
    ),
    # Union purchases
    Route("group orders", "GET", fixed("/tourism/console/groups/"), ANY_CONSOLE, scoped=False),
    Route(
        "group decide",
        "POST",
        url("/tourism/console/groups/{}/decide/", "group"),
        LEAD,
        ok=302,
        data=lambda w, where: DECIDE,
    ),
    Route(
        "group request",
        "POST",
        fixed("/tourism/console/groups/"),
        MANAGE,
        ok=302,
        scoped=True,
        denied=404,
        data=lambda w, where: {
            "union": w.pk("union", where),
            "session": w.pk("session", "inside"),
            "activity": "矩阵",
            "seats": 1,
        },
    ),
    Route("passes", "GET", fixed("/tourism/console/passes/"), ANY_CONSOLE, scoped=False),
    Route(
        "pass decide",
        "POST",
        url("/tourism/console/passes/{}/decide/", "batch"),
        LEAD,
        ok=302,
        data=lambda w, where: DECIDE,
    ),
    # API: the platform's spot review list and decision
    Route(
        "api spot review list",
        "GET",
        fixed("/api/v1/tourism/console/pass-spots"),
        ANY_CONSOLE,
        scoped=False,
        api=True,
        expect=lambda actor, where: 200 if actor == "worker" else None,  # empty: nothing in scope
    ),
    Route(
        "api spot review",
        "POST",
        url("/api/v1/tourism/console/pass-spots/{}/review", "spot"),
        NOBODY,
        api=True,
        data=lambda w, where: {"approve": False, "note": "矩阵"},
        expect=lambda actor, where: _spot_review(actor, where, api=True),
    ),
]


@pytest.mark.parametrize(("route", "actor", "where"), cases(CONSOLE_ROUTES))
def test_tourism_console_authz(
    route: Route, actor: str, where: str, tourism_world: World, db: Any, client: Any
) -> None:
    check(route, actor, where, tourism_world, client)


# --- The merchant workbench ------------------------------------------------------------------

M_ACTORS = ("owner", "m_staff", "m_gate", "staff", "viewer", "worker", "anonymous")
M_ALL = frozenset({"owner", "m_staff", "m_gate"})
M_OWNER = frozenset({"owner"})


@dataclass(frozen=True)
class MRoute:
    name: str
    method: str
    url: Any
    allowed: frozenset[str]
    ok: int = 200
    api: bool = False
    data: Any = None
    # The status for a merchant's own person outside ``allowed`` (inside their merchant).
    denied: int = 403

    def __str__(self) -> str:
        return self.name


def m_url(template: str, *names: str) -> Any:
    return lambda w, where: template.format(*(w.pk(n, where) for n in names))


M_ROUTES = [
    MRoute("products", "GET", m_url("/tourism/merchant/{}/products/", "merchant"), M_ALL),
    MRoute("product", "GET", m_url("/tourism/merchant/{}/products/{}/", "merchant", "product"), M_ALL),
    MRoute(
        "session add",
        "POST",
        m_url("/tourism/merchant/{}/products/{}/sessions/", "merchant", "product"),
        M_ALL,
        ok=302,
        data=lambda w, where: {
            "starts_at": f"{local_today() + dt.timedelta(days=30)}T10:00",
            "capacity": 10,
        },
    ),
    MRoute("orders", "GET", m_url("/tourism/merchant/{}/orders/", "merchant"), M_ALL),
    MRoute("scan", "GET", m_url("/tourism/merchant/{}/scan/", "merchant"), M_ALL),
    MRoute("statements", "GET", m_url("/tourism/merchant/{}/statements/", "merchant"), M_ALL),
    MRoute(
        "statement export",
        "GET",
        m_url("/tourism/merchant/{}/statements/{}.xlsx", "merchant", "statement"),
        M_ALL,
    ),
    # Staff accounts: the owner, or a platform role at the merchant's host union (district A's staff).
    MRoute("staff", "GET", m_url("/tourism/merchant/{}/staff/", "merchant"), M_OWNER | {"staff"}),
    MRoute("pass spots", "GET", m_url("/tourism/merchant/{}/pass-spots/", "merchant"), M_ALL),
    MRoute(
        "api staff list",
        "GET",
        m_url("/api/v1/tourism/merchants/{}/staff", "merchant"),
        M_OWNER | {"staff"},
        api=True,
    ),
    MRoute(
        "api pictures",
        "GET",
        m_url("/api/v1/tourism/merchants/{}/products/{}/pictures", "merchant", "product"),
        M_ALL,
        api=True,
    ),
    MRoute(
        "api pass spots",
        "GET",
        m_url("/api/v1/tourism/merchants/{}/pass-spots", "merchant"),
        M_ALL,
        api=True,
    ),
]


def m_expected(route: MRoute, actor: str, where: str) -> int:
    if actor == "anonymous":
        return 401 if route.api else 302
    if actor == "worker" and not route.api:
        return 403  # the workbench's door: merchant staff and union staff only
    if where == "outside":
        return 404  # another merchant: the same as missing
    if actor in route.allowed:
        return route.ok
    if actor in M_ALL:
        return route.denied  # the merchant's own person without the role
    return 404  # not this merchant's person


def m_cases() -> list[Any]:
    return [
        pytest.param(route, actor, where, id=f"{route.name}-{actor}-{where}")
        for route in M_ROUTES
        for actor in M_ACTORS
        for where in ("inside", "outside")
    ]


def _send(client: Any, method: str, url: str, data: dict[str, Any], api: bool) -> Any:
    if api and method in {"post", "patch", "put"}:
        return getattr(client, method)(url, data=data, content_type="application/json")
    return client.get(url, data) if method == "get" else getattr(client, method)(url, data)


@pytest.mark.parametrize(("route", "actor", "where"), m_cases())
def test_tourism_merchant_authz(
    route: MRoute, actor: str, where: str, tourism_world: World, db: Any, client: Any
) -> None:
    user = tourism_world.users[actor]
    if user is not None:
        client.force_login(user)
    target = route.url(tourism_world, where)
    data = route.data(tourism_world, where) if route.data else {}
    response = _send(client, route.method.lower(), target, data, route.api)
    for closer in getattr(response, "_resource_closers", []):
        closer()
    want = m_expected(route, actor, where)
    assert response.status_code == want, (
        f"{route.method} {target} as {actor} ({where}): {response.status_code}, expected {want}\n"
        f"{response.content[:300]!r}"
    )


# --- Worker orders -----------------------------------------------------------------------------

O_ROUTES = [
    ("order page", "GET", "/tourism/orders/{}/", 200),
    ("order cancel", "POST", "/tourism/orders/{}/cancel/", 302),
    ("api order", "GET", "/api/v1/tourism/orders/{}", 200),
]


@pytest.mark.parametrize(
    ("name", "method", "template", "ok", "where"),
    [pytest.param(*r, where, id=f"{r[0]}-{where}") for r in O_ROUTES for where in ("inside", "outside")],
)
def test_tourism_worker_orders_authz(
    name: str, method: str, template: str, ok: int, where: str, tourism_world: World, db: Any, client: Any
) -> None:
    """The signed-in worker reaches their own order; another worker's answers 404 like missing;
    anonymous goes to sign in (the API answers 401)."""
    target = template.format(tourism_world.pk("order", where))
    anonymous = client.get(target) if method == "GET" else client.post(target)
    assert anonymous.status_code == (401 if target.startswith("/api/") else 302)
    client.force_login(tourism_world.users["worker"])
    response = client.get(target) if method == "GET" else client.post(target)
    assert response.status_code == (ok if where == "inside" else 404), response.content[:300]
