"""Authorization matrix over the pages added for quizzes, certificates, credit conversion and
classes: every console page and operation × every actor × inside/outside the subtree, and the
worker and public pages (anonymous → sign-in; the verify page and the issuer's keys are public)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from yugong.learning.certificates import certificate_issue
from yugong.learning.conversion import agreement_set, conversion_apply, programme_create
from yugong.learning.models import Enrollment, Provider
from yugong.members.tests.factories import make_person
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

from .factories import make_quiz_course
from .test_classes import make_class_course
from .test_conversion import credit


def _world() -> World:
    world = build_world()
    from yugong.accounts.system import system_actor

    for where in ("inside", "outside"):
        leaf = world.obj("union", where)
        course = make_quiz_course(leaf)
        world.objects[("quiz", where)] = course.lessons.get(kind="quiz")
        person = make_person()
        enrollment = Enrollment.objects.create(
            course=course, person=person, completed_at=dt.datetime.now(dt.UTC)
        )
        world.objects[("certificate", where)] = certificate_issue(
            enrollment=enrollment, at=enrollment.completed_at, actor=None
        )
        college = Provider.objects.create(name=f"学院{where}", kind="college", union=leaf)
        programme = programme_create(actor=system_actor(), provider=college, name="专业", required_credits=60)
        agreement_set(
            actor=system_actor(),
            programme=programme,
            source="course",
            partner="银行",
            ratio=1,
            cap_credits=10,
            signed_on=dt.date(2026, 1, 1),
        )
        world.objects[("programme", where)] = programme
        entry = credit(person, leaf, f"course:{where}", 2)
        world.objects[("conversion", where)] = conversion_apply(
            person=person, programme_id=programme.pk, entry_ids=[entry.pk], actor=None
        )
        world.objects[("class", where)] = make_class_course(leaf)
    return world


more_world = module_world(_world)


def signed_in(actor: str, where: str) -> int | None:
    return 302 if actor == "anonymous" else 200


def public(actor: str, where: str) -> int | None:
    return 200


def nobody(actor: str, where: str) -> int | None:
    return 302 if actor == "anonymous" else 404


ROUTES = [
    # console
    Route("certificates", "GET", lambda w, x: "/learning/console/certificates/", ANY_CONSOLE, scoped=False),
    Route(
        "certificate revoke",
        "POST",
        lambda w, x: f"/learning/console/certificates/{w.pk('certificate', x)}/revoke/",
        MANAGE,
        ok=302,
        data=lambda w, x: {"reason": "冒名顶替"},
    ),
    Route("programmes", "GET", lambda w, x: "/learning/console/programmes/", ANY_CONSOLE, scoped=False),
    Route(
        "agreement sign",
        "POST",
        lambda w, x: "/learning/console/programmes/",
        MANAGE,
        scoped=False,
        ok=302,
        data=lambda w, x: {
            "form": "agreement",
            "programme": w.pk("programme", "inside"),
            "source": "honour",
            "partner": "学分银行",
            "ratio": "1",
            "cap_credits": "5",
            "signed_on": "2026-03-01",
        },
    ),
    Route("conversions", "GET", lambda w, x: "/learning/console/conversions/", ANY_CONSOLE, scoped=False),
    Route(
        "conversion decide",
        "POST",
        lambda w, x: f"/learning/console/conversions/{w.pk('conversion', x)}/",
        MANAGE,
        ok=302,
        data=lambda w, x: {"decision": "approve", "note": ""},
    ),
    Route("class", "GET", lambda w, x: f"/learning/console/classes/{w.pk('class', x)}/", ALL),
    Route(
        "class rotate qr",
        "POST",
        lambda w, x: f"/learning/console/classes/{w.pk('class', x)}/",
        MANAGE,
        ok=302,
        data=lambda w, x: {"action": "rotate"},
    ),
    Route(
        "class schedule",
        "POST",
        lambda w, x: f"/learning/console/classes/{w.pk('class', x)}/",
        MANAGE,
        ok=302,
        data=lambda w, x: {
            "action": "schedule",
            "starts_at": "2026-06-01T09:00",
            "ends_at": "2026-06-01T11:00",
            "place": "实训室",
            "capacity": "20",
        },
    ),
    # worker pages: any signed-in user (a staff member is a worker too); no Person → a form error
    Route(
        "my certificates", "GET", lambda w, x: "/learning/certificates/", ALL, scoped=False, expect=signed_in
    ),
    Route("quiz", "GET", lambda w, x: f"/learning/quiz/{w.pk('quiz', x)}/", ALL, expect=signed_in),
    Route(
        "quiz submit",
        "POST",
        lambda w, x: f"/learning/quiz/{w.pk('quiz', x)}/",
        ALL,
        expect=signed_in,
        data=lambda w, x: {},
    ),
    Route("class page", "GET", lambda w, x: f"/learning/class/{w.pk('class', x)}/", ALL, expect=signed_in),
    Route(
        "class sign-up",
        "POST",
        lambda w, x: f"/learning/class/{w.pk('class', x)}/",
        ALL,
        expect=signed_in,
        data=lambda w, x: {"action": "signup"},
    ),
    Route("convert", "GET", lambda w, x: "/learning/credits/convert/", ALL, scoped=False, expect=signed_in),
    Route(
        "convert apply",
        "POST",
        lambda w, x: "/learning/credits/convert/",
        ALL,
        scoped=False,
        expect=signed_in,
        data=lambda w, x: {"programme": w.pk("programme", "inside")},
    ),
    # someone else's certificate: as if it did not exist
    Route(
        "certificate page",
        "GET",
        lambda w, x: f"/learning/certificates/{w.obj('certificate', x).code}/",
        ALL,
        expect=nobody,
    ),
    Route(
        "certificate pdf",
        "GET",
        lambda w, x: f"/learning/certificates/{w.obj('certificate', x).code}/pdf/",
        ALL,
        expect=nobody,
    ),
    Route(
        "certificate badge",
        "GET",
        lambda w, x: f"/learning/certificates/{w.obj('certificate', x).code}/badge.jwt",
        ALL,
        expect=nobody,
    ),
    # public
    Route(
        "verify", "GET", lambda w, x: f"/learning/verify/{w.obj('certificate', x).code}/", ALL, expect=public
    ),
    Route("badge issuer", "GET", lambda w, x: "/learning/badges/issuer/", ALL, scoped=False, expect=public),
    Route("badge keys", "GET", lambda w, x: "/learning/badges/jwks.json", ALL, scoped=False, expect=public),
]


@pytest.mark.parametrize(("route", "actor", "where"), cases(ROUTES))
def test_learning_more_authz(
    route: Route, actor: str, where: str, more_world: World, db: Any, client: Any
) -> None:
    check(route, actor, where, more_world, client)
