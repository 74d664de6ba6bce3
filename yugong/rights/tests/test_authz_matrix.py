"""The authorization matrix for rights (12351): every page, API operation and download × every
actor of the shared world (``yugong.orgs.tests.authz``: chair, staff, viewer and hotline at
district A, a system administrator, a signed-in worker, anonymous) × inside / outside the actor's
subtree.

The rules: staff reach an appeal (and its cases, attachments, the caller's clear phone) only inside
their subtree — outside answers 404 like a missing one, for every role; looking needs a viewing
role (chair, vice chair, staff, hotline, viewer, auditor), handling a handling role (chair, vice
chair, staff, hotline) — a viewer is refused (403); the policy library is edited only by the city
federation's staff (none of the world's actors: 403). A signed-in worker without a role gets 403 on
the console and an empty staff list from the API (their own appeals come from ``/appeals/mine``);
anonymous visitors are sent to the sign-in page (API: 401). The public 查政策 pages answer everyone.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.base import ContentFile

from yugong.accounts.system import system_actor
from yugong.orgs.tests.authz import ANY_CONSOLE, Route, World, build_world, cases, check, module_world
from yugong.rights import services
from yugong.rights.models import AppealAttachment

VIEW = frozenset({"chair", "staff", "viewer", "hotline"})
HANDLE = frozenset({"chair", "staff", "hotline"})
NOBODY: frozenset[str] = frozenset()


def _world() -> World:
    world = build_world()
    system = system_actor()
    policy = services.policy_save(
        actor=system, title="保障农民工工资支付条例", issuer="国务院", sections=[("第三条", "不得拖欠工资。")]
    )
    faq = services.faq_save(actor=system, question="公司拖欠工资怎么办？", answer="可拨打12351。")
    world.objects[("policy", "inside")] = world.objects[("policy", "outside")] = policy
    world.objects[("faq", "inside")] = world.objects[("faq", "outside")] = faq
    for where in ("inside", "outside"):
        leaf = world.obj("union", where)
        appeal = services.appeal_create(
            actor=system,
            channel="hotline",
            category="wages",
            facts=f"{where}：公司拖欠三个月工资。",
            caller_name="张三",
            caller_phone="13912345678",
            union=leaf,
        )
        services.appeal_accept(actor=system, appeal=appeal, note="受理")
        world.objects[("appeal", where)] = appeal
        world.objects[("case", where)] = services.mediation_open(
            actor=system, appeal=appeal, mediator_name="调解员", applicant="张三", respondent="某公司"
        )
        att = AppealAttachment(appeal=appeal, name="欠条.pdf", content_type="application/pdf", size=4)
        att.file.save("authz.pdf", ContentFile(b"%PDF"), save=True)
        world.objects[("attachment", where)] = att
    return world


rights_world = module_world(_world)


def console(path: str) -> Any:
    return lambda w, where: f"/rights/console/{path}"


def appeal_page(w: World, where: str) -> str:
    return f"/rights/console/appeals/{w.pk('appeal', where)}/"


def api(suffix: str = "") -> Any:
    return lambda w, where: f"/api/v1/rights/appeals/{w.pk('appeal', where)}{suffix}"


def action(name: str, **fields: Any) -> Any:
    return lambda w, where: {"action": name, **fields}


def _public(actor: str, where: str) -> int:
    return 200


def _signed_in(actor: str, where: str) -> int | None:
    """Worker H5 pages: any signed-in person (staff too) gets their own page."""
    return None if actor == "anonymous" else 200


def _own_only(actor: str, where: str) -> int | None:
    """A worker's own appeal: nobody in the world filed these appeals, so everyone gets 404."""
    return None if actor == "anonymous" else 404


def _no_role_404(actor: str, where: str) -> int | None:
    """A staff object reached by someone without any role (downloads): the same 404 as a missing
    one — no sign-in redirect, no hint that it exists."""
    return 404 if actor in ("worker", "anonymous") else None


def _worker_404(actor: str, where: str) -> int | None:
    """The API's staff object routes: a signed-in worker gets the 404 of a missing appeal."""
    return 404 if actor == "worker" else None


def _staff_list_api(actor: str, where: str) -> int | None:
    """A staff list from the API: a worker without a role gets an empty list, not an error."""
    return 200 if actor == "worker" else None


def _get(path: str) -> Any:
    return lambda w, where: path


def _mediation(w: World, where: str) -> dict[str, Any]:
    return {"action": "mediation_session", "case": w.pk("case", where), "summary": "第一次调解"}


def _policy(suffix: str) -> Any:
    return lambda w, where: f"/rights/console/policies/{w.pk('policy', where)}/{suffix}"


ROUTES = [
    # Worker H5 and public pages
    Route("h5 home", "GET", _get("/rights/"), NOBODY, scoped=False, expect=_public),
    Route("h5 policies", "GET", _get("/rights/policies/?q=工资"), NOBODY, scoped=False, expect=_public),
    Route(
        "h5 policy",
        "GET",
        lambda w, where: f"/rights/policies/{w.pk('policy', where)}/",
        NOBODY,
        scoped=False,
        expect=_public,
    ),
    Route("h5 new", "GET", _get("/rights/new/"), NOBODY, scoped=False, expect=_signed_in),
    Route("h5 mine", "GET", _get("/rights/mine/"), NOBODY, scoped=False, expect=_signed_in),
    Route(
        "h5 appeal of someone else",
        "GET",
        lambda w, where: f"/rights/mine/{w.pk('appeal', where)}/",
        NOBODY,
        expect=_own_only,
    ),
    # Console pages
    Route("intake", "GET", console("intake/"), HANDLE, scoped=False),
    Route(
        "caller history", "GET", console("intake/caller/?caller_phone=13912345678"), ANY_CONSOLE, scoped=False
    ),
    Route("policy lookup", "GET", console("intake/policies/?policy_q=工资"), ANY_CONSOLE, scoped=False),
    Route("appeal list", "GET", console("appeals/"), ANY_CONSOLE, scoped=False),
    Route("queues", "GET", console("queues/"), ANY_CONSOLE, scoped=False),
    Route("mediations", "GET", console("mediations/"), ANY_CONSOLE, scoped=False),
    Route("policies", "GET", console("policies/"), ANY_CONSOLE, scoped=False),
    Route("faqs", "GET", console("faqs/"), ANY_CONSOLE, scoped=False),
    Route("policy new", "GET", console("policies/new/"), NOBODY, scoped=False),
    Route("policy edit", "GET", _policy("edit/"), NOBODY, scoped=False),
    Route("faq new", "GET", console("faqs/new/"), NOBODY, scoped=False),
    Route(
        "faq edit",
        "GET",
        lambda w, where: f"/rights/console/faqs/{w.pk('faq', where)}/edit/",
        NOBODY,
        scoped=False,
    ),
    Route("appeal page", "GET", appeal_page, VIEW),
    Route("note", "POST", appeal_page, HANDLE, ok=302, data=action("note", text="已电话联系")),
    Route("assign nobody", "POST", appeal_page, HANDLE, ok=200, data=action("assign", assignee="0")),
    Route("pause", "POST", appeal_page, HANDLE, ok=302, data=action("pause", reason="请补充劳动合同")),
    Route(
        "transfer nowhere",
        "POST",
        appeal_page,
        HANDLE,
        ok=200,
        data=action("transfer", to_union="0", reason="转办"),
    ),
    Route("refer", "POST", appeal_page, HANDLE, ok=302, data=action("refer", kind="court", agency="区法院")),
    Route("mediation session", "POST", appeal_page, HANDLE, ok=302, data=_mediation),
    Route("conclude empty", "POST", appeal_page, HANDLE, ok=200, data=action("conclude", outcome="")),
    Route("reveal caller", "POST", appeal_page, HANDLE, data=action("reveal")),
    Route(
        "attachment download",
        "GET",
        lambda w, where: f"/rights/files/{w.pk('attachment', where)}/",
        VIEW,
        expect=_no_role_404,
    ),
    # API
    Route(
        "api list",
        "GET",
        _get("/api/v1/rights/appeals"),
        ANY_CONSOLE,
        scoped=False,
        api=True,
        expect=_staff_list_api,
    ),
    Route(
        "api mine",
        "GET",
        _get("/api/v1/rights/appeals/mine"),
        NOBODY,
        scoped=False,
        api=True,
        expect=_signed_in,
    ),
    Route(
        "api my appeal",
        "GET",
        lambda w, where: f"/api/v1/rights/appeals/mine/{w.pk('appeal', where)}",
        NOBODY,
        api=True,
        expect=_own_only,
    ),
    Route("api detail", "GET", api(), VIEW, api=True, expect=_worker_404),
    Route(
        "api note",
        "POST",
        api("/notes"),
        HANDLE,
        api=True,
        ok=201,
        data=lambda w, where: {"text": "已联系"},
        expect=_worker_404,
    ),
    Route(
        "api pause",
        "POST",
        api("/pause"),
        HANDLE,
        api=True,
        data=lambda w, where: {"reason": "补充材料"},
        expect=_worker_404,
    ),
    Route(
        "api transfer out of reach",  # 乙区 is not reachable from 甲区's unions
        "POST",
        api("/transfer"),
        HANDLE,
        api=True,
        ok=422,
        data=lambda w, where: {"to_union_id": w.pk("district", "outside"), "reason": "转办"},
        expect=_worker_404,
    ),
    Route(
        "api refer",
        "POST",
        api("/referrals"),
        HANDLE,
        api=True,
        ok=201,
        data=lambda w, where: {"kind": "court", "agency": "区法院"},
        expect=_worker_404,
    ),
    Route(
        "api conclude empty",
        "POST",
        api("/conclude"),
        HANDLE,
        api=True,
        ok=422,
        data=lambda w, where: {"outcome": ""},
        expect=_worker_404,
    ),
    Route("api close an open appeal", "POST", api("/close"), HANDLE, api=True, ok=409, expect=_worker_404),
    Route("api caller", "POST", api("/caller"), HANDLE, api=True, expect=_worker_404),
    Route(
        "api queue",
        "GET",
        _get("/api/v1/rights/queues/overdue"),
        ANY_CONSOLE,
        scoped=False,
        api=True,
        expect=_staff_list_api,
    ),
    Route(
        "api callers",
        "GET",
        _get("/api/v1/rights/callers?phone=13912345678"),
        ANY_CONSOLE,
        scoped=False,
        api=True,
        expect=_staff_list_api,
    ),
    Route(
        "api policy search",
        "GET",
        _get("/api/v1/rights/policies/search?q=工资"),
        NOBODY,
        scoped=False,
        api=True,
        expect=_public,
    ),
    Route(
        "api policy",
        "GET",
        lambda w, where: f"/api/v1/rights/policies/{w.pk('policy', where)}",
        NOBODY,
        scoped=False,
        api=True,
        expect=_public,
    ),
]


@pytest.mark.parametrize(("route", "actor", "where"), cases(ROUTES))
def test_rights_authz(
    route: Route, actor: str, where: str, rights_world: World, db: Any, client: Any
) -> None:
    check(route, actor, where, rights_world, client)
