"""The catalogue services and the console pages (courses, units, micro-lessons, the outcome review
queue) through their forms; the authorization matrix over them; query counts of the lists."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from tests.helpers import UserFactory, assert_max_queries, grant, make_union
from yugong.accounts.system import system_actor
from yugong.core.errors import NotFound, PermissionDenied, ValidationFailed
from yugong.core.models import AuditEvent
from yugong.learning import catalogue
from yugong.learning.bank import outcome_deposit
from yugong.learning.models import Course, CreditEntry, Lesson, Outcome, Provider
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

from .factories import make_course


@pytest.fixture
def setup(db: Any) -> dict[str, Any]:
    city = make_union(None, name="重庆市总工会")
    district = make_union(city, kind="district", name="渝中区总工会")
    other = make_union(city, kind="district", name="江北区总工会")
    staff = UserFactory()
    grant(staff, district, "staff")
    viewer = UserFactory()
    grant(viewer, district, "viewer")
    return {"city": city, "district": district, "other": other, "staff": staff, "viewer": viewer}


@pytest.mark.django_db
def test_catalogue_services(setup: dict[str, Any]) -> None:
    staff, district = setup["staff"], setup["district"]
    with pytest.raises(PermissionDenied):
        catalogue.provider_create(actor=setup["viewer"], union=district, name="工匠学院", kind="academy")
    with pytest.raises(NotFound):
        catalogue.provider_create(actor=staff, union=setup["other"], name="工匠学院", kind="academy")
    provider = catalogue.provider_create(actor=staff, union=district, name="渝中工匠学院", kind="academy")
    course = catalogue.course_create(actor=staff, provider=provider, title="高级电工", credits="2.5")
    assert (
        course.union == district and course.status == Course.Status.DRAFT and course.credits == Decimal("2.5")
    )
    with pytest.raises(ValidationFailed) as exc:  # nothing to learn yet
        catalogue.course_update(actor=staff, course=course, status="published")
    assert "status" in exc.value.fields
    unit = catalogue.unit_add(actor=staff, course=course, title="第一单元 安全用电")
    with pytest.raises(ValidationFailed) as exc:
        catalogue.lesson_add(actor=staff, unit=unit, title="触电急救", kind="video", duration_seconds=300)
    assert "media_url" in exc.value.fields
    lesson = catalogue.lesson_add(
        actor=staff,
        unit=unit,
        title="触电急救",
        kind="video",
        duration_seconds=300,
        media_url="/media/lessons/cpr.mp4",
        media_bytes=12_000_000,
    )
    assert lesson.course == course and lesson.order == 1
    catalogue.course_update(actor=staff, course=course, status="published", credits=3)
    course.refresh_from_db()
    assert course.status == Course.Status.PUBLISHED and course.credits == 3
    codes = set(AuditEvent.objects.filter(action__startswith="learning.").values_list("action", flat=True))
    assert {
        "learning.provider_create",
        "learning.course_create",
        "learning.unit_add",
        "learning.lesson_add",
    } <= codes
    assert "learning.course_update" in codes


@pytest.mark.django_db
def test_console_pages_through_forms(setup: dict[str, Any]) -> None:
    c = Client()
    c.force_login(setup["staff"])
    r = c.post(
        "/learning/console/courses/",
        {"form": "provider", "union": setup["district"].pk, "name": "渝中工匠学院", "kind": "academy"},
    )
    assert r.status_code == 302
    provider = Provider.objects.get()
    r = c.post(
        "/learning/console/courses/",
        {"form": "course", "provider": provider.pk, "title": "高级电工", "credits": "2"},
    )
    assert r.status_code == 302
    course = Course.objects.get()
    c.post(f"/learning/console/courses/{course.pk}/", {"form": "unit", "title": "第一单元"})
    unit = course.units.get()
    bad = c.post(
        f"/learning/console/courses/{course.pk}/",
        {
            "form": "lesson",
            "unit": unit.pk,
            "title": "触电急救",
            "kind": "video",
            "duration_seconds": 300,
            "required_percent": 90,
        },
    )
    assert "视频、音频微课须填写媒体地址" in bad.content.decode()
    c.post(
        f"/learning/console/courses/{course.pk}/",
        {
            "form": "lesson",
            "unit": unit.pk,
            "title": "安全须知",
            "kind": "text",
            "duration_seconds": 120,
            "required_percent": 90,
            "body": "正文",
        },
    )
    assert Lesson.objects.filter(course=course).count() == 1
    c.post(
        f"/learning/console/courses/{course.pk}/",
        {"form": "edit", "title": "高级电工", "credits": "2", "status": "published"},
    )
    course.refresh_from_db()
    assert course.status == "published"


@pytest.mark.django_db
def test_the_outcome_review_queue(setup: dict[str, Any]) -> None:
    person = make_person()
    outcome, _ = outcome_deposit(
        person=person,
        source="skills_certificate",
        source_ref="cert:1",
        title="高级电工（三级）",
        evidence={},
        credits=4,
        union_id=setup["district"].pk,
        actor=system_actor(),
    )
    c = Client()
    c.force_login(setup["staff"])
    page = c.get("/learning/console/outcomes/")
    assert "高级电工（三级）" in page.content.decode()
    c.post(f"/learning/console/outcomes/{outcome.pk}/", {"decision": "reject"})  # a reason is required
    outcome.refresh_from_db()
    assert outcome.status == Outcome.Status.DEPOSITED
    c.post(f"/learning/console/outcomes/{outcome.pk}/", {"decision": "approve", "note": "证书核验无误"})
    outcome.refresh_from_db()
    assert outcome.status == Outcome.Status.CREDITED and outcome.review_note == "证书核验无误"
    assert CreditEntry.objects.get(outcome=outcome).credits == 4
    assert "证书核验无误" in c.get("/learning/console/outcomes/?status=credited").content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("rows", [3, 30])
def test_console_lists_keep_their_query_count(setup: dict[str, Any], rows: int) -> None:
    for i in range(rows):
        make_course(setup["district"], lessons=2)
        outcome_deposit(
            person=make_person(),
            source="skills_certificate",
            source_ref=f"cert:{i}",
            title="证书",
            evidence={},
            credits=1,
            union_id=setup["district"].pk,
            actor=system_actor(),
        )
    c = Client()
    c.force_login(setup["staff"])
    for url in ("/learning/console/courses/", "/learning/console/outcomes/"):
        with assert_max_queries(20):
            assert c.get(url).status_code == 200


def _world() -> World:
    world = build_world()
    for where in ("inside", "outside"):
        leaf = world.obj("union", where)
        course = make_course(leaf)
        world.objects[("course", where)] = course
        world.objects[("outcome", where)] = outcome_deposit(
            person=make_person(),
            source="skills_certificate",
            source_ref=f"cert:{where}",
            title="证书",
            evidence={},
            credits=1,
            union_id=leaf.pk,
            actor=system_actor(),
        )[0]
    return world


learning_world = module_world(_world)

ROUTES = [
    Route("courses", "GET", lambda w, x: "/learning/console/courses/", ANY_CONSOLE, scoped=False),
    Route("course", "GET", lambda w, x: f"/learning/console/courses/{w.pk('course', x)}/", ALL),
    Route(
        "course unit",
        "POST",
        lambda w, x: f"/learning/console/courses/{w.pk('course', x)}/",
        MANAGE,
        ok=302,
        data=lambda w, x: {"form": "unit", "title": "新单元"},
    ),
    Route("outcomes", "GET", lambda w, x: "/learning/console/outcomes/", ANY_CONSOLE, scoped=False),
    Route(
        "outcome decide",
        "POST",
        lambda w, x: f"/learning/console/outcomes/{w.pk('outcome', x)}/",
        MANAGE,
        ok=302,
        data=lambda w, x: {"decision": "approve", "note": "同意"},
    ),
]


@pytest.mark.parametrize(("route", "actor", "where"), cases(ROUTES))
def test_learning_console_authz(
    route: Route, actor: str, where: str, learning_world: World, db: Any, client: Any
) -> None:
    check(route, actor, where, learning_world, client)
