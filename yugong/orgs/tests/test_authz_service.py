"""Authorization matrix rows for volunteer service (activities, sign-up, hours) and the 职工之家
rating workflow: every new page and API operation × every actor × inside/outside."""

from __future__ import annotations

from typing import Any

import pytest

from .authz import ALL, ANY_CONSOLE, MANAGE, Route, World, authz_world, cases, check

__all__ = ["ROUTES", "authz_world"]

API = "/api/v1/orgs"


def everyone(status: int) -> Any:
    return lambda actor, where: status


def signed_in(status: int, *, api: bool = False) -> Any:
    return lambda actor, where: (401 if api else 302) if actor == "anonymous" else status


def worker_not_found(actor: str, where: str) -> int | None:
    # A worker who is not the team lead: the same 404 as a missing object (they see no union).
    return 404 if actor == "worker" else None


def pk(name: str) -> Any:
    return lambda w, where: w.pk(name, where)


ROUTES = [
    # Worker pages (public list and detail; sign-up and "mine" need a sign-in)
    Route("volunteer list", "GET", lambda w, where: "/orgs/volunteer/", set(), scoped=False, expect=everyone(200)),
    Route("volunteer activity", "GET", lambda w, where: f"/orgs/volunteer/a/{w.pk('activity', where)}/",
          set(), expect=everyone(200)),
    Route("volunteer signup", "POST", lambda w, where: f"/orgs/volunteer/a/{w.pk('activity', where)}/signup/",
          set(), expect=signed_in(302)),
    Route("volunteer mine", "GET", lambda w, where: "/orgs/volunteer/mine/", set(), scoped=False,
          expect=signed_in(200)),
    Route("volunteer statement", "GET", lambda w, where: "/orgs/volunteer/statement/", set(), scoped=False,
          expect=signed_in(200)),
    Route("confirm another's hours", "POST",
          lambda w, where: f"/orgs/volunteer/records/{w.pk('record', where)}/confirm/", set(),
          expect=signed_in(404)),
    Route("dispute another's hours", "POST",
          lambda w, where: f"/orgs/volunteer/records/{w.pk('record', where)}/dispute/", set(),
          expect=signed_in(404), data=lambda w, where: {"note": "不对"}),
    Route("cancel another's signup", "POST",
          lambda w, where: f"/orgs/volunteer/signups/{w.pk('signup', where)}/cancel/", set(),
          expect=signed_in(404)),
    # The lead's roll (team lead or managing staff over the team's union)
    Route("activity roll", "GET", lambda w, where: f"/orgs/volunteer/a/{w.pk('activity', where)}/roll/",
          MANAGE, expect=worker_not_found),
    Route("activity roll post", "POST", lambda w, where: f"/orgs/volunteer/a/{w.pk('activity', where)}/roll/",
          MANAGE, ok=302, expect=worker_not_found, data=lambda w, where: {"form": "close", "beneficiary_count": "1"}),
    # Console
    Route("activity create form", "GET",
          lambda w, where: f"/orgs/volunteers/{w.pk('team', where)}/activities/new/", MANAGE),
    Route("activity create post", "POST",
          lambda w, where: f"/orgs/volunteers/{w.pk('team', where)}/activities/new/", MANAGE, ok=422),
    Route("team leader post", "POST", lambda w, where: f"/orgs/volunteers/{w.pk('team', where)}/",
          MANAGE, ok=422, data=lambda w, where: {"form": "leader", "volunteer": ""}),
    # API
    Route("api open activities", "GET", lambda w, where: f"{API}/service-activities", set(), scoped=False,
          api=True, expect=everyone(200)),
    Route("api signup", "POST", lambda w, where: f"{API}/service-activities/{w.pk('activity', where)}/signup",
          set(), api=True, expect=signed_in(201, api=True), data=lambda w, where: {}),
    Route("api cancel another's signup", "POST",
          lambda w, where: f"{API}/service-signups/{w.pk('signup', where)}/cancel", set(), api=True,
          expect=signed_in(404, api=True), data=lambda w, where: {}),
    Route("api my hours", "GET", lambda w, where: f"{API}/volunteer-hours", set(), scoped=False, api=True,
          expect=signed_in(200, api=True)),
    Route("api confirm another's hours", "POST",
          lambda w, where: f"{API}/service-records/{w.pk('record', where)}/confirm", set(), api=True,
          expect=signed_in(404, api=True), data=lambda w, where: {}),
    Route("api dispute another's hours", "POST",
          lambda w, where: f"{API}/service-records/{w.pk('record', where)}/dispute", set(), api=True,
          expect=signed_in(404, api=True), data=lambda w, where: {"note": "不对"}),
    Route("api activity create", "POST", lambda w, where: f"{API}/volunteer-teams/{w.pk('team', where)}/activities",
          MANAGE, ok=422, api=True, expect=worker_not_found,
          data=lambda w, where: {"title": "x", "beneficiaries": "y", "place": "z", "capacity": 5,
                                 "starts_at": "2020-01-01T09:00:00+08:00", "ends_at": "2020-01-01T11:00:00+08:00"}),
    Route("api record hours", "POST", lambda w, where: f"{API}/service-signups/{w.pk('signup', where)}/hours",
          MANAGE, ok=409, api=True, expect=worker_not_found, data=lambda w, where: {"hours": "1"}),
    # 职工之家 workflow: the application waits at the district where the actors' roles are held.
    Route("homes overview", "GET", lambda w, where: "/orgs/homes/", ANY_CONSOLE, scoped=False),
    Route("home sheet form", "GET", lambda w, where: "/orgs/homes/sheets/new/", MANAGE, scoped=False),
    Route("home sheet post", "POST", lambda w, where: "/orgs/homes/sheets/new/", MANAGE, scoped=False, ok=422),
    Route("home apply form", "GET", lambda w, where: "/orgs/homes/apply/", MANAGE, scoped=False),
    Route("home apply post", "POST", lambda w, where: "/orgs/homes/apply/", MANAGE, scoped=False, ok=422),
    Route("home application", "GET", lambda w, where: f"/orgs/homes/a/{w.pk('home_application', where)}/", ALL),
    Route("home decision stale", "POST", lambda w, where: f"/orgs/homes/a/{w.pk('home_application', where)}/",
          MANAGE, ok=302,
          data=lambda w, where: {"form": "decision", "version": 99, "decision": "reject", "note": "不符"}),
    Route("home evidence", "GET",
          lambda w, where: f"/orgs/homes/a/{w.pk('home_application', where)}/evidence/{w.pk('home_score', where)}/",
          ALL),
    Route("home publish", "POST", lambda w, where: "/orgs/homes/publish/", MANAGE, ok=302,
          data=lambda w, where: {"union": w.pk("district", where), "level": "district", "year": "2026"}),
    Route("api home applications", "GET", lambda w, where: f"{API}/home-applications", ANY_CONSOLE,
          scoped=False, api=True),
    Route("api home queue", "GET", lambda w, where: f"{API}/home-applications?queue=true", ANY_CONSOLE,
          scoped=False, api=True),
    Route("api home application", "GET",
          lambda w, where: f"{API}/home-applications/{w.pk('home_application', where)}", ALL, api=True),
    Route("api home submit", "POST",
          lambda w, where: f"{API}/home-applications/{w.pk('home_application', where)}/submit", MANAGE,
          ok=409, api=True, data=lambda w, where: {}),
    Route("api home decision stale", "POST",
          lambda w, where: f"{API}/home-applications/{w.pk('home_application', where)}/decision", MANAGE,
          ok=409, api=True, data=lambda w, where: {"version": 99, "decision": "reject", "note": "不符"}),
    Route("api home totals", "GET", lambda w, where: f"{API}/home-ratings/totals", ANY_CONSOLE, scoped=False,
          api=True),
]  # fmt: skip


@pytest.mark.parametrize(("route", "actor", "where"), cases(ROUTES))
def test_volunteer_service_authz(
    route: Route, actor: str, where: str, authz_world: World, db: Any, client: Any
) -> None:
    check(route, actor, where, authz_world, client)
