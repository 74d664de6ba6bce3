"""Worker pages and the heartbeat/statement API through the Django test client."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from tests.helpers import UserFactory, assert_max_queries, make_union
from yugong.accounts.system import system_actor
from yugong.learning.bank import outcome_deposit, outcome_review
from yugong.learning.models import Outcome
from yugong.members.tests.factories import make_person

from .factories import make_course

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 5, 1, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def worker(client):
    user = UserFactory()
    person = make_person(user=user)
    client.force_login(user)
    return client, person


def _beat(client, lesson_id, position, ms, session="tab"):
    return client.post(
        "/api/v1/learning/heartbeat",
        {"lesson_id": lesson_id, "session": session, "position": position, "visible": True, "client_ms": ms},
        content_type="application/json",
    )


def test_watching_a_lesson_to_completion_over_http(worker):
    client, person = worker
    course = make_course(make_union(None), lessons=1, duration=20, credits=2)
    lesson = course.lessons.get()
    page = client.get(f"/learning/lesson/{lesson.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "yugong/learning.js" in html and "<script>" not in html and f'data-lesson-id="{lesson.pk}"' in html
    with time_machine.travel(T0, tick=False) as t:
        assert _beat(client, lesson.pk, 0, 1).json()["credited_seconds"] == 0
        t.move_to(T0 + dt.timedelta(seconds=10))
        assert _beat(client, lesson.pk, 10, 2).json()["added_seconds"] == 10
        t.move_to(T0 + dt.timedelta(seconds=20))
        body = _beat(client, lesson.pk, 20, 3).json()
    assert body["lesson_completed"] and body["course_completed"]
    outcome = Outcome.objects.get()
    outcome_review(actor=system_actor(), outcome_id=outcome.pk, approve=True)
    statement = client.get("/api/v1/learning/statement").json()
    assert Decimal(statement["total"]) == 2 and len(statement["entries"]) == 1
    page = client.get("/learning/credits/").content.decode()
    assert 'data-testid="credit-total">2' in page
    page = client.get("/learning/").content.decode()
    assert course.title in page


def test_heartbeat_validation_and_auth(client, worker):
    c, _ = worker
    bad = c.post("/api/v1/learning/heartbeat", {"lesson_id": 1}, content_type="application/json")
    assert bad.status_code == 422
    assert _beat(c, 999999, 0, 1).status_code == 404
    c.logout()
    assert _beat(c, 1, 0, 1).status_code == 401


def test_a_user_without_a_person_is_told_to_verify(client):
    client.force_login(UserFactory())
    course = make_course(make_union(None))
    r = _beat(client, course.lessons.get().pk, 0, 1)
    assert r.status_code == 422 and "person" in r.json()["fields"]
    assert client.get("/learning/credits/").status_code == 200


def test_draft_lessons_are_not_found(worker):
    client, _ = worker
    course = make_course(make_union(None))
    course.status = "draft"
    course.save()
    assert client.get(f"/learning/lesson/{course.lessons.get().pk}/").status_code == 404
    assert client.get(f"/learning/course/{course.pk}/").status_code == 404


def test_course_list_and_statement_query_counts(worker):
    client, person = worker
    union = make_union(None)
    for _ in range(5):
        make_course(union, lessons=3)
    for i in range(5):
        o, _created = outcome_deposit(
            person=person,
            source="honour",
            source_ref=f"h{i}",
            title="荣誉",
            evidence={},
            credits=1,
            union_id=union.pk,
            actor=system_actor(),
        )
        outcome_review(actor=system_actor(), outcome_id=o.pk, approve=True)
    with assert_max_queries(12):
        assert client.get("/learning/").status_code == 200
    with assert_max_queries(12):
        assert client.get("/learning/credits/").status_code == 200
    with assert_max_queries(10):
        assert client.get("/api/v1/learning/statement").status_code == 200
