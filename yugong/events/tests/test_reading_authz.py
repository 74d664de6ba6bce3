"""The authorization matrix of the reading campaign's and the photos' console pages and staff API:
roles × inside / outside the actor's subtree (``yugong.orgs.tests.authz``). Another union's staff
find nothing (404); a viewer or hotline operator may look but not write (403); a worker meets the
console's door (403) and finds no campaign to manage through the API (404)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from yugong.accounts.system import system_actor
from yugong.core import timeutil
from yugong.events import lottery
from yugong.events.services import activity_create
from yugong.orgs.tests.authz import ALL, MANAGE, Route, World, build_world, cases, check, module_world


def _world() -> World:
    from tests.helpers import UserFactory
    from yugong.events.models import SignUp
    from yugong.events.models_kinds import ActivityPhoto, PhotoTakedown, ReadingBook, Work
    from yugong.members.models import Membership, Person

    world = build_world()
    system = system_actor()
    now = timeutil.now()
    for where in ("inside", "outside"):
        district = world.obj("district", where)
        activity = activity_create(
            actor=system,
            union_id=district.pk,
            title=f"{where}玫瑰书香",
            kind="reading",
            places=100,
            signup_opens_at=now - dt.timedelta(days=1),
            signup_closes_at=now + dt.timedelta(days=20),
            starts_at=now - dt.timedelta(hours=1),
            seed_hash=lottery.commitment("authz"),
        )
        world.objects[("campaign", where)] = activity
        world.objects[("book", where)] = ReadingBook.objects.create(
            activity=activity, title=f"{where}红楼梦", author="曹雪芹", isbn="9787020002207"
        )
        leaf = world.obj("union", where)
        person = Person.objects.create(name=f"{where}读者", user=UserFactory())
        Membership.objects.create(person=person, union=leaf, status="active")
        signup = SignUp.objects.create(activity=activity, person=person, union=leaf, status="won")
        world.objects[("essay", where)] = Work.objects.create(
            activity=activity, signup=signup, kind="essay", title="读后感", body="好书" * 40
        )
        photo = ActivityPhoto.objects.create(
            activity=activity, uploaded_by=person.user, picture="x.jpg", consent=True, status="published"
        )
        world.objects[("photo", where)] = ActivityPhoto.objects.create(
            activity=activity, uploaded_by=person.user, picture="y.jpg", consent=True
        )
        world.objects[("takedown", where)] = PhotoTakedown.objects.create(
            photo=photo, activity=activity, requested_by=UserFactory(), reason="照片里有我"
        )
    return world


reading_world = module_world(_world)


def url(template: str, *names: str) -> Any:
    return lambda w, where: template.format(*(w.pk(n, where) for n in names))


def _worker_gets(status: int) -> Any:
    return lambda actor, where: status if actor == "worker" else None


ISBN_NEW = "9787544253994"
ROUTES = [
    Route("reading console", "GET", url("/activities/console/{}/reading/", "campaign"), ALL),
    Route("book", "GET", url("/activities/console/{}/reading/books/{}/", "campaign", "book"), ALL),
    Route("essay queue", "GET", url("/activities/console/{}/reading/essays/", "campaign"), ALL),
    Route("photo queue", "GET", url("/activities/console/{}/photos/", "campaign"), ALL),
    Route(
        "book add",
        "POST",
        url("/activities/console/{}/reading/", "campaign"),
        MANAGE,
        ok=302,
        data=lambda w, where: {"title": "平凡的世界", "author": "路遥", "isbn": ISBN_NEW, "page_count": 0},
    ),
    Route(
        "book edit",
        "POST",
        url("/activities/console/{}/reading/books/{}/", "campaign", "book"),
        MANAGE,
        ok=302,
        data=lambda w, where: {"title": "红楼梦（校注本）", "author": "曹雪芹", "isbn": "9787020002207"},
    ),
    Route(
        "book remove",
        "POST",
        url("/activities/console/{}/reading/books/{}/remove/", "campaign", "book"),
        MANAGE,
        ok=302,
    ),
    Route(
        "essay review",
        "POST",
        url("/activities/console/{}/reading/essays/", "campaign"),
        MANAGE,
        ok=302,
        data=lambda w, where: {"item": w.pk("essay", where), "publish": "1"},
    ),
    Route(
        "photo review",
        "POST",
        url("/activities/console/{}/photos/review/", "campaign"),
        MANAGE,
        ok=302,
        data=lambda w, where: {"item": w.pk("photo", where), "publish": "1"},
    ),
    Route(
        "takedown handle",
        "POST",
        url("/activities/console/{}/photos/takedown/", "campaign"),
        MANAGE,
        ok=302,
        data=lambda w, where: {"item": w.pk("takedown", where), "remove": "1"},
    ),
    Route(
        "api photo review",
        "POST",
        url("/api/v1/activities/photos/{}/review", "photo"),
        MANAGE,
        api=True,
        data=lambda w, where: {"publish": True},
        expect=_worker_gets(404),
    ),
    Route(
        "api takedown handle",
        "POST",
        url("/api/v1/activities/photo-takedowns/{}/handle", "takedown"),
        MANAGE,
        api=True,
        data=lambda w, where: {"remove": False, "note": "照片中没有申请人"},
        expect=_worker_gets(404),
    ),
    Route(
        "api essay review",
        "POST",
        url("/api/v1/activities/works/{}/review", "essay"),
        MANAGE,
        api=True,
        data=lambda w, where: {"publish": True},
        expect=_worker_gets(404),
    ),
]


@pytest.mark.parametrize(("route", "actor", "where"), cases(ROUTES))
def test_reading_and_photos_authz(
    route: Route, actor: str, where: str, reading_world: World, db: Any, client: Any
) -> None:
    check(route, actor, where, reading_world, client)


def test_api_book_add_authz(reading_world: World, client: Any) -> None:
    """The multipart book endpoint (the matrix sends JSON): staff inside 201, outside 404, viewer 403."""
    data = {"title": "平凡的世界", "author": "路遥", "isbn": ISBN_NEW}
    for actor, where, want in (
        ("staff", "inside", 201),
        ("staff", "outside", 404),
        ("viewer", "inside", 403),
        ("worker", "inside", 404),
    ):
        client.force_login(reading_world.users[actor])
        r = client.post(f"/api/v1/activities/{reading_world.pk('campaign', where)}/reading/books", data)
        assert r.status_code == want, (actor, where, r.content[:300])
        if want == 201:
            from yugong.events.models_kinds import ReadingBook

            ReadingBook.objects.filter(pk=r.json()["id"]).delete()
