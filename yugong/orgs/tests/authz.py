"""A reusable authorization matrix: roles × routes × (inside the actor's subtree, outside it).

Other apps extend it with their own table::

    from yugong.orgs.tests.authz import ALL, MANAGE, Route, cases, check

    ROUTES = [Route("member list", "GET", lambda w, where: "/members/", ALL | {"sysadmin"}, scoped=False)]

    @pytest.mark.parametrize(("route", "actor", "where"), cases(ROUTES))
    def test_members_authz(route, actor, where, authz_world, client):
        check(route, actor, where, authz_world, client)

(``authz_world`` is a module-scoped fixture — import it into your test module, or write your own
with :func:`module_world` and a builder that calls :func:`build_world` and adds your objects to
``world.objects[("name", "inside"|"outside")]``.) The world is built once per module inside a
transaction rolled back at the end; each case runs in its own savepoint, so writes made by one case
never leak into the next.

The world: the city root; district A (where every actor's role is held) with grassroots union a1;
district B with b1 (outside everybody's scope). Actors: chair, staff, viewer and hotline at A; a
system administrator without a node role; a worker (signed in, no role); anonymous.

Expected statuses (:func:`expected_status`; a route's ``expect`` may override it for some actors,
e.g. a worker's own H5 page or a public one): anonymous → 302 to the login page (API: 401); worker →
403; an object route (``scoped=True``) outside the subtree → 404 for everyone, and for the system
administrator inside too (no business access: the same 404 as missing); inside → ``ok`` when the
actor's role is in ``allowed`` else ``denied`` (403). Collection routes (``scoped=False``) have no
inside/outside: ``ok`` if allowed, else 403.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from tests.helpers import UserFactory, grant, make_union
from yugong.orgs.models import Employer, RoleAssignment, Union, VolunteerTeam

ACTORS = ("chair", "staff", "viewer", "hotline", "sysadmin", "worker", "anonymous")
ALL = frozenset({"chair", "staff", "viewer", "hotline"})
MANAGE = frozenset({"chair", "staff"})
LEAD = frozenset({"chair"})
ANY_CONSOLE = ALL | {"sysadmin"}


@dataclass
class World:
    city: Union
    objects: dict[tuple[str, str], Any] = field(default_factory=dict)
    users: dict[str, Any] = field(default_factory=dict)

    def obj(self, name: str, where: str) -> Any:
        return self.objects[(name, where)]

    def pk(self, name: str, where: str) -> int:
        return int(self.obj(name, where).pk)


@dataclass(frozen=True)
class Route:
    name: str
    method: str
    url: Callable[[World, str], str]
    allowed: frozenset[str]
    scoped: bool = True
    ok: int = 200
    denied: int = 403
    api: bool = False
    data: Callable[[World, str], dict[str, Any]] | None = None
    # Where a route's rule differs from the default for some actors (a worker's own H5 page, a
    # public page): return the status for (actor, where), or None for the default rule.
    expect: Callable[[str, str], int | None] | None = None

    def __str__(self) -> str:
        return self.name


def uscc(n: int) -> str:
    from yugong.core.validators import uscc_check_char

    first17 = f"91500103{n:09d}"
    return first17 + uscc_check_char(first17)


def build_world() -> World:
    city = make_union(None, name="重庆市总工会")
    a = make_union(city, kind="district", name="甲区总工会")
    a1 = make_union(a, kind="grassroots", name="甲区一厂工会")
    b = make_union(city, kind="district", name="乙区总工会")
    b1 = make_union(b, kind="grassroots", name="乙区一厂工会")
    world = World(city=city)
    for where, district, leaf, n in (("inside", a, a1, 1), ("outside", b, b1, 2)):
        world.objects[("district", where)] = district
        world.objects[("union", where)] = leaf
        world.objects[("employer", where)] = Employer.objects.create(
            name=f"{leaf.name}所在单位", uscc=uscc(n), union=leaf, managing_union=district, unionised=True
        )
        world.objects[("team", where)] = VolunteerTeam.objects.create(
            union=district, name=f"{district.name}志愿服务总队", tier="general"
        )
        _service_objects(world, where)
        other = UserFactory(is_staff=True)
        world.objects[("assignment", where)] = RoleAssignment.objects.create(
            user=other, union=leaf, role="staff"
        )
    for role in ("chair", "staff", "viewer", "hotline"):
        user = UserFactory(is_staff=True, username=f"authz_{role}")
        grant(user, a, role)
        world.users[role] = user
    world.users["sysadmin"] = UserFactory(is_staff=True, username="authz_sysadmin", admin_role="system")
    world.users["worker"] = UserFactory(username="authz_worker")
    world.users["anonymous"] = None
    return world


def _service_objects(world: World, where: str) -> None:
    """An open volunteer activity of the district's team, another worker's sign-up and their
    pending service record (workers reach only their own)."""
    from yugong.core.timeutil import now
    from yugong.orgs.models import ServiceActivity, ServiceRecord, ServiceSignup, Volunteer

    team = world.objects[("team", where)]
    start = now() + dt.timedelta(days=3)
    activity = ServiceActivity.objects.create(
        team=team, title="志愿服务", beneficiaries="社区居民", place="社区", starts_at=start,
        ends_at=start + dt.timedelta(hours=2), capacity=50, signed_up=1, created_by=UserFactory(),
    )  # fmt: skip
    someone = UserFactory()
    volunteer = Volunteer.objects.create(team=team, user=someone, name="志愿者")
    world.objects[("activity", where)] = activity
    world.objects[("signup", where)] = ServiceSignup.objects.create(
        activity=activity, volunteer=volunteer, user=someone
    )
    world.objects[("record", where)] = ServiceRecord.objects.create(
        volunteer=volunteer, team=team, served_on=TODAY, minutes=60, description="值守", status="pending"
    )
    _home_objects(world, where)


def _home_objects(world: World, where: str) -> None:
    """A 职工之家 application of the grassroots union, waiting at its district (where the actors'
    roles are held, inside), with one evidence file."""
    from django.core.files.base import ContentFile

    from yugong.orgs.models import HomeApplication, HomeCriterion, HomeScore, HomeScoreSheet

    sheet = HomeScoreSheet.objects.filter(union=world.city).first() or HomeScoreSheet.objects.create(
        union=world.city, name="评分表", kind="home", pass_score=10
    )
    criterion = HomeCriterion.objects.get_or_create(
        sheet=sheet, position=1, defaults={"title": "建家", "max_score": 20}
    )[0]
    app = HomeApplication.objects.create(
        union=world.obj("union", where), sheet=sheet, kind="home", level="district", year=2026,
        status="reviewing", stage="district", reviewer=world.obj("district", where), version=1,
        created_by=UserFactory(),
    )  # fmt: skip
    score = HomeScore(application=app, criterion=criterion, score=15, evidence_name="证明.pdf")
    score.evidence.save("e.pdf", ContentFile(b"%PDF-1.4 demo"), save=False)
    score.save()
    world.objects[("home_application", where)] = app
    world.objects[("home_score", where)] = score


def module_world(builder: Callable[[], World] = build_world) -> Any:
    """A module-scoped fixture building the world once (the matrix has hundreds of cases)."""
    import pytest
    from django.db import transaction

    @pytest.fixture(scope="module")
    def fixture(django_db_setup: Any, django_db_blocker: Any) -> Any:
        with django_db_blocker.unblock(), transaction.atomic():
            world = builder()
            yield world
            transaction.set_rollback(True)

    return fixture


authz_world = module_world()


def cases(routes: Iterable[Route]) -> list[Any]:
    import pytest

    out = []
    for route in routes:
        for actor in ACTORS:
            for where in ("inside", "outside") if route.scoped else ("inside",):
                out.append(pytest.param(route, actor, where, id=f"{route.name}-{actor}-{where}"))
    return out


def expected_status(route: Route, actor: str, where: str) -> int:
    if route.expect is not None:
        special = route.expect(actor, where)
        if special is not None:
            return special
    if actor == "anonymous":
        return 401 if route.api else 302
    if actor == "worker":
        return 403
    if route.scoped and (where == "outside" or actor not in ALL):
        return 404
    return route.ok if actor in route.allowed else route.denied


def check(route: Route, actor: str, where: str, world: World, client: Any) -> None:
    user = world.users[actor]
    if user is not None:
        client.force_login(user)
    url = route.url(world, where)
    data = route.data(world, where) if route.data else {}
    method = route.method.lower()
    if route.api and method in {"post", "patch", "put"}:
        response = getattr(client, method)(url, data=data, content_type="application/json")
    elif method == "get":
        response = client.get(url, data)
    else:
        response = getattr(client, method)(url, data)
    # A file download holds its file open: close what the response holds, but not through
    # response.close(), which sends request_finished and so closes the database connection inside
    # the module's transaction.
    for closer in getattr(response, "_resource_closers", []):
        closer()
    want = expected_status(route, actor, where)
    assert response.status_code == want, (
        f"{route.method} {url} as {actor} ({where}): {response.status_code}, expected {want}\n"
        f"{response.content[:400]!r}"
    )
    if want == 302 and actor == "anonymous":
        assert "login" in response["Location"]


TODAY = dt.date(2025, 6, 1)
