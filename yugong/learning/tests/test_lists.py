"""Lists that must stay flat in queries as rows grow: the console's certificates, conversion queue,
programmes and class roster; the worker's certificates, conversion page and statement."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.helpers import UserFactory, grant, make_union
from yugong.learning.certificates import certificate_issue
from yugong.learning.conversion import agreement_set, conversion_apply, conversion_review, programme_create
from yugong.learning.models import ClassSignup, Enrollment, Provider
from yugong.members.tests.factories import make_person

from .factories import make_course
from .test_classes import make_class_course
from .test_conversion import credit

pytestmark = pytest.mark.django_db
PAGES_STAFF = (
    "/learning/console/certificates/",
    "/learning/console/conversions/",
    "/learning/console/conversions/?status=approved",
    "/learning/console/programmes/",
)
PAGES_WORKER = ("/learning/certificates/", "/learning/credits/convert/", "/learning/credits/")


def _grow(union: Any, staff: Any, worker: Any, n: int, start: int) -> tuple[Any, Any]:
    college = Provider.objects.create(name=f"学院{start}", kind="college", union=union)
    programme = programme_create(actor=staff, provider=college, name=f"专业{start}", required_credits=60)
    agreement_set(
        actor=staff,
        programme=programme,
        source="course",
        partner="银行",
        ratio=1,
        cap_credits=100,
        signed_on=dt.date(2026, 1, 1),
    )
    lesson = make_class_course(union, capacity=1000)
    for i in range(start, start + n):
        course = make_course(union)
        for who in (make_person(), worker):
            enrollment = Enrollment.objects.create(
                course=course, person=who, completed_at=dt.datetime.now(dt.UTC)
            )
            certificate_issue(enrollment=enrollment, at=enrollment.completed_at, actor=None)
        entry = credit(worker, union, f"course:{i}", 1)
        app = conversion_apply(person=worker, programme_id=programme.pk, entry_ids=[entry.pk], actor=None)
        if i % 2:
            conversion_review(actor=staff, application_id=app.pk, approve=True)
        ClassSignup.objects.create(session=lesson.class_session, person=make_person())
    return programme, lesson


def _counts(client: Any, urls: list[str]) -> list[int]:
    out = []
    for url in urls:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200, url
        out.append(len(ctx.captured_queries))
    return out


def test_list_pages_stay_flat_as_rows_grow() -> None:
    district = make_union(None)
    staff = UserFactory()
    grant(staff, district, "staff")
    user = UserFactory()
    worker = make_person(user=user)
    _p, lesson = _grow(district, staff, worker, 2, 0)
    staff_client, worker_client = Client(), Client()
    staff_client.force_login(staff)
    worker_client.force_login(user)
    class_url = f"/learning/console/classes/{lesson.pk}/"
    before = _counts(staff_client, [*PAGES_STAFF, class_url]) + _counts(worker_client, list(PAGES_WORKER))
    for _ in range(10):
        ClassSignup.objects.create(session=lesson.class_session, person=make_person())
    _grow(district, staff, worker, 12, 100)
    after = _counts(staff_client, [*PAGES_STAFF, class_url]) + _counts(worker_client, list(PAGES_WORKER))
    assert after == before, dict(
        zip([*PAGES_STAFF, class_url, *PAGES_WORKER], zip(before, after, strict=True), strict=True)
    )
