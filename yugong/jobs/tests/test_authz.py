"""Authorization matrix of jobs: roles × routes × inside/outside the subtree (orgs.tests.authz).

Union staff reach posts, fairs and employers of their subtree only (outside = 404). Review and
fair management need a managing role; a viewer or hotline officer sees empty lists and 404 on objects
(the objects are fetched through the managing roles). Employer workbench pages belong to the
employer's recruiters: union staff get 404 there, workers 403. Public pages answer everyone."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from yugong.core import timeutil
from yugong.jobs.models import JobFair, JobPost
from yugong.orgs.tests.authz import (
    ALL,
    ANY_CONSOLE,
    MANAGE,
    Route,
    World,
    build_world,
    cases,
    check,
    module_world,
)


def _build() -> World:
    world = build_world()
    staff = world.users["chair"]
    now = timeutil.now()
    for where in ("inside", "outside"):
        employer = world.obj("employer", where)
        district = world.obj("district", where)
        common: dict[str, Any] = {
            "employer": employer,
            "union": district,
            "pay_min_fen": 500_000,
            "pay_max_fen": 800_000,
            "district": "渝中区",
            "created_by": staff,
        }
        world.objects[("post", where)] = JobPost.objects.create(title="焊工", status="pending", **common)
        world.objects[("post_pub", where)] = JobPost.objects.create(
            title="电工", status="published", published=True, published_at=now, **common
        )
        world.objects[("fair", where)] = JobFair.objects.create(
            union=district,
            kind="onsite",
            title="招聘会",
            venue="人力资源市场",
            starts_at=now + dt.timedelta(days=1),
            ends_at=now + dt.timedelta(days=1, hours=3),
            created_by=staff,
        )
    return world


jobs_world = module_world(_build)

CONSOLE = frozenset(ANY_CONSOLE)


def _everyone(status: int) -> Any:
    return lambda actor, where: status


def _signed_in(status: int) -> Any:
    return lambda actor, where: 302 if actor == "anonymous" else status


def _staff_objects(actor: str, where: str) -> int | None:
    """API objects fetched through the managing roles: a worker gets the same 404 as missing."""
    if actor == "worker":
        return 404
    return None


def _fair_new(actor: str, where: str) -> int | None:
    if actor in ("viewer", "hotline", "sysadmin"):
        return 404
    return None


def _employer_pages(actor: str, where: str) -> int | None:
    if actor == "anonymous":
        return 302
    return 403 if actor == "worker" else 404


def _employer_api(actor: str, where: str) -> int | None:
    return 401 if actor == "anonymous" else 404


def _api_list(actor: str, where: str) -> int | None:
    return 200 if actor in ("worker", "sysadmin") else None


ROUTES = [
    # public and worker pages
    Route("h5 list", "GET", lambda w, x: "/jobs/", ALL, scoped=False, expect=_everyone(200)),
    Route("h5 post", "GET", lambda w, x: f"/jobs/{w.pk('post_pub', x)}/", ALL, expect=_everyone(200)),
    Route("h5 pending post", "GET", lambda w, x: f"/jobs/{w.pk('post', x)}/", ALL, expect=_everyone(404)),
    Route("h5 fairs", "GET", lambda w, x: "/jobs/fairs/", ALL, scoped=False, expect=_everyone(200)),
    Route("h5 draft fair", "GET", lambda w, x: f"/jobs/fairs/{w.pk('fair', x)}/", ALL, expect=_everyone(404)),
    Route("h5 mine", "GET", lambda w, x: "/jobs/mine/", ALL, scoped=False, expect=_signed_in(200)),
    Route("h5 resumes", "GET", lambda w, x: "/jobs/resumes/", ALL, scoped=False, expect=_signed_in(200)),
    # staff console
    Route("console posts", "GET", lambda w, x: "/jobs/console/", CONSOLE, scoped=False),
    Route(
        "console post",
        "GET",
        lambda w, x: f"/jobs/console/posts/{w.pk('post', x)}/",
        MANAGE,
        denied=404,
    ),
    Route(
        "console review",
        "POST",
        lambda w, x: f"/jobs/console/posts/{w.pk('post', x)}/",
        MANAGE,
        ok=302,
        denied=404,
        data=lambda w, x: {"decision": "reject", "note": "请补充工作时间"},
    ),
    Route("console fairs", "GET", lambda w, x: "/jobs/console/fairs/", CONSOLE, scoped=False),
    Route(
        "console fair new",
        "GET",
        lambda w, x: "/jobs/console/fairs/new/",
        MANAGE,
        scoped=False,
        expect=_fair_new,
    ),
    Route(
        "console fair",
        "GET",
        lambda w, x: f"/jobs/console/fairs/{w.pk('fair', x)}/",
        MANAGE,
        denied=404,
    ),
    Route(
        "console fair publish",
        "POST",
        lambda w, x: f"/jobs/console/fairs/{w.pk('fair', x)}/",
        MANAGE,
        ok=302,
        denied=404,
        data=lambda w, x: {"action": "publish"},
    ),
    Route("console employers", "GET", lambda w, x: "/jobs/console/employers/", CONSOLE, scoped=False),
    Route(
        "console employer",
        "GET",
        lambda w, x: f"/jobs/console/employers/{w.pk('employer', x)}/",
        MANAGE,
        denied=404,
    ),
    # employer workbench: recruiters only
    Route(
        "employer posts",
        "GET",
        lambda w, x: f"/jobs/employer/{w.pk('employer', x)}/posts/",
        ALL,
        expect=_employer_pages,
    ),
    Route(
        "employer intents",
        "GET",
        lambda w, x: f"/jobs/employer/{w.pk('employer', x)}/intents/",
        ALL,
        expect=_employer_pages,
    ),
    # API
    Route(
        "api review list",
        "GET",
        lambda w, x: "/api/v1/jobs/review/posts",
        ANY_CONSOLE | {"worker"},
        scoped=False,
        api=True,
        expect=_api_list,
    ),
    Route(
        "api review",
        "POST",
        lambda w, x: f"/api/v1/jobs/review/posts/{w.pk('post', x)}",
        MANAGE,
        denied=404,
        api=True,
        data=lambda w, x: {"approve": True, "note": ""},
        expect=_staff_objects,
    ),
    Route(
        "api employer intents",
        "GET",
        lambda w, x: f"/api/v1/jobs/employers/{w.pk('employer', x)}/intents",
        ALL,
        api=True,
        expect=_employer_api,
    ),
    Route(
        "api posts",
        "GET",
        lambda w, x: "/api/v1/jobs/posts",
        ALL,
        scoped=False,
        api=True,
        expect=_everyone(200),
    ),
]


@pytest.mark.parametrize(("route", "actor", "where"), cases(ROUTES))
def test_jobs_authz(route: Route, actor: str, where: str, jobs_world: World, db: Any, client: Any) -> None:
    check(route, actor, where, jobs_world, client)
