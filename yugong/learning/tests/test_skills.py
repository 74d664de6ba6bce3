"""Skills-level certificates: deposited by the worker with the 职业分类大典 code, reviewed by the
union of their membership in the credit bank queue, credited once."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from tests.helpers import UserFactory, grant, make_union
from yugong.core.errors import ValidationFailed
from yugong.learning.bank import outcome_review
from yugong.learning.models import CreditEntry, Outcome
from yugong.learning.skills import skills_certificate_deposit
from yugong.members.models import Membership
from yugong.members.tests.factories import make_person

pytestmark = pytest.mark.django_db

GOOD = {
    "occupation_code": "6-31-01-03",
    "occupation": "电工",
    "level": "3",
    "number": "S000001",
    "issuer": "重庆市职业技能鉴定中心",
    "issued_on": dt.date(2025, 6, 1),
}


@pytest.fixture
def worker(db: Any) -> dict[str, Any]:
    city = make_union(None, name="重庆市总工会")
    factory = make_union(city, kind="grassroots", name="长江机械厂工会")
    user = UserFactory()
    person = make_person(user=user)
    Membership.objects.create(person=person, union=factory, status=Membership.Status.ACTIVE)
    staff = UserFactory()
    grant(staff, factory, "staff")
    return {"user": user, "person": person, "union": factory, "staff": staff}


def test_a_certificate_goes_to_the_members_union_and_is_credited_once(worker: dict[str, Any]) -> None:
    outcome = skills_certificate_deposit(actor=worker["user"], person=worker["person"], **GOOD)
    assert outcome.union == worker["union"] and outcome.source == "skills_certificate"
    assert outcome.evidence["occupation_code"] == "6-31-01-03" and "三级" in outcome.title
    with pytest.raises(ValidationFailed) as exc:
        skills_certificate_deposit(actor=worker["user"], person=worker["person"], **GOOD)
    assert "number" in exc.value.fields
    outcome_review(actor=worker["staff"], outcome_id=outcome.pk, approve=True, note="核验无误")
    assert CreditEntry.objects.filter(outcome=outcome).count() == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("occupation_code", "63101"),
        ("occupation_code", "6-31-1-03"),
        ("occupation_code", "6-31-01-٠٣"),  # Arabic-Indic digits are not ASCII digits
        ("occupation_code", "9-31-01-03"),
        ("level", "6"),
        ("number", ""),
        ("issued_on", dt.date(2999, 1, 1)),
    ],
)
def test_bad_input_names_the_field(worker: dict[str, Any], field: str, value: Any) -> None:
    with pytest.raises(ValidationFailed) as exc:
        skills_certificate_deposit(actor=worker["user"], person=worker["person"], **{**GOOD, field: value})
    assert field in exc.value.fields
    assert not Outcome.objects.exists()


def test_full_width_input_is_folded(worker: dict[str, Any]) -> None:
    outcome = skills_certificate_deposit(
        actor=worker["user"], person=worker["person"], **{**GOOD, "occupation_code": "６-３１-０１-０３"}
    )
    assert outcome.evidence["occupation_code"] == "6-31-01-03"


def test_a_non_member_is_told_to_join(db: Any) -> None:
    person = make_person()
    with pytest.raises(ValidationFailed) as exc:
        skills_certificate_deposit(actor=UserFactory(), person=person, **GOOD)
    assert "person" in exc.value.fields


def test_the_worker_page_and_the_queue(worker: dict[str, Any]) -> None:
    c = Client()
    c.force_login(worker["user"])
    assert c.get("/learning/credits/skills/").status_code == 200
    bad = c.post("/learning/credits/skills/", {**GOOD, "occupation_code": "x", "issued_on": "2025-06-01"})
    assert "职业代码格式不正确" in bad.content.decode()
    ok = c.post("/learning/credits/skills/", {**GOOD, "issued_on": "2025-06-01"})
    assert ok.status_code == 302
    staff = Client()
    staff.force_login(worker["staff"])
    assert "6-31-01-03" in staff.get("/learning/console/outcomes/").content.decode()
