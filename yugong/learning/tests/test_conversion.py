"""Credit conversion into a programme: recognition agreements (ratio, cap per source), a worker's
application, staff review (reject needs a reason; scoped), append-only programme ledger rows
within the caps, and the statement of credits showing them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import DatabaseError, transaction

from tests.helpers import UserFactory, grant, make_union
from yugong.accounts.system import system_actor
from yugong.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from yugong.learning.bank import outcome_deposit, outcome_review
from yugong.learning.conversion import (
    agreement_set,
    conversion_apply,
    conversion_review,
    convertible_entries,
    programme_create,
)
from yugong.learning.models import ConversionApplication, CreditEntry, ProgrammeCredit, Provider
from yugong.members.tests.factories import make_person

pytestmark = pytest.mark.django_db


def credit(person: Any, union: Any, ref: str, credits: int, source: str = "course") -> CreditEntry:
    outcome, _c = outcome_deposit(
        person=person,
        source=source,
        source_ref=ref,
        title=ref,
        evidence={},
        credits=credits,
        union_id=union.pk,
        actor=system_actor(),
    )
    outcome_review(actor=system_actor(), outcome_id=outcome.pk, approve=True)
    return CreditEntry.objects.get(outcome=outcome)


@pytest.fixture
def world(db: Any) -> dict[str, Any]:
    city = make_union(None, name="重庆市总工会")
    district = make_union(city, kind="district", name="渝中区总工会")
    other = make_union(city, kind="district", name="江北区总工会")
    staff, outsider, viewer = UserFactory(), UserFactory(), UserFactory()
    grant(staff, district, "staff")
    grant(outsider, other, "staff")
    grant(viewer, district, "viewer")
    college = Provider.objects.create(name="重庆城市管理职业学院", kind="college", union=district)
    programme = programme_create(actor=staff, provider=college, name="城市管理（专科）", required_credits=80)
    agreement_set(
        actor=staff,
        programme=programme,
        source="course",
        partner="学分银行",
        ratio="1.5",
        cap_credits=4,
        signed_on=dt.date(2026, 3, 1),
    )
    user = UserFactory()
    person = make_person(user=user)
    return {
        "district": district,
        "staff": staff,
        "outsider": outsider,
        "viewer": viewer,
        "programme": programme,
        "person": person,
        "user": user,
    }


def test_agreements_validate_and_are_scoped(world: dict[str, Any]) -> None:
    with pytest.raises(ValidationFailed) as exc:
        agreement_set(
            actor=world["staff"],
            programme=world["programme"],
            source="nope",
            partner="",
            ratio=0,
            cap_credits=0,
            signed_on=dt.date(2026, 1, 1),
        )
    assert {"source", "partner", "ratio", "cap_credits"} <= set(exc.value.fields)
    kwargs = {
        "source": "honour",
        "partner": "x",
        "ratio": 1,
        "cap_credits": 1,
        "signed_on": dt.date(2026, 1, 1),
    }
    with pytest.raises(PermissionDenied):
        agreement_set(actor=world["viewer"], programme=world["programme"], **kwargs)
    with pytest.raises(NotFound):
        agreement_set(actor=world["outsider"], programme=world["programme"], **kwargs)


def test_conversion_respects_ratio_caps_and_converts_each_row_once(world: dict[str, Any]) -> None:
    person, programme, staff = world["person"], world["programme"], world["staff"]
    a = credit(person, world["district"], "course:1", 2)  # 2 × 1.5 = 3
    b = credit(person, world["district"], "course:2", 2)  # 3 more, but the cap leaves 1
    skills = credit(person, world["district"], "cert:1", 5, source="skills_certificate")  # not recognised
    assert {e.pk for e in convertible_entries(person, programme)} == {a.pk, b.pk}
    with pytest.raises(ValidationFailed) as exc:
        conversion_apply(person=person, programme_id=programme.pk, entry_ids=[skills.pk], actor=None)
    assert "entries" in exc.value.fields
    with pytest.raises(ValidationFailed):
        conversion_apply(person=person, programme_id=programme.pk, entry_ids=[], actor=None)
    app = conversion_apply(person=person, programme_id=programme.pk, entry_ids=[a.pk, b.pk], actor=None)
    assert convertible_entries(person, programme) == []  # waiting in an application: not offered twice
    with pytest.raises(ValidationFailed):
        conversion_apply(person=person, programme_id=programme.pk, entry_ids=[a.pk], actor=None)
    with pytest.raises(PermissionDenied):
        conversion_review(actor=world["viewer"], application_id=app.pk, approve=True)
    with pytest.raises(NotFound):
        conversion_review(actor=world["outsider"], application_id=app.pk, approve=True)
    done = conversion_review(actor=staff, application_id=app.pk, approve=True, note="同意")
    assert done.status == "approved" and done.granted == Decimal(4)
    rows = list(ProgrammeCredit.objects.order_by("pk").values_list("entry_id", "bank_credits", "credits"))
    assert rows == [(a.pk, Decimal(2), Decimal(3)), (b.pk, Decimal(2), Decimal(1))]
    with pytest.raises(Conflict):
        conversion_review(actor=staff, application_id=app.pk, approve=True)
    assert convertible_entries(person, programme) == []  # converted rows cannot be offered again
    row = ProgrammeCredit.objects.first()
    assert row is not None
    with pytest.raises(ValueError, match="append-only"):
        row.save()
    with pytest.raises(DatabaseError), transaction.atomic():
        ProgrammeCredit.objects.filter(pk=row.pk).update(credits=9)


def test_rejection_needs_a_reason_and_writes_nothing(world: dict[str, Any]) -> None:
    person, programme = world["person"], world["programme"]
    a = credit(person, world["district"], "course:1", 2)
    app = conversion_apply(person=person, programme_id=programme.pk, entry_ids=[a.pk], actor=None)
    with pytest.raises(ValidationFailed) as exc:
        conversion_review(actor=world["staff"], application_id=app.pk, approve=False, note="")
    assert "note" in exc.value.fields
    app = conversion_review(
        actor=world["staff"], application_id=app.pk, approve=False, note="课程与专业不对口"
    )
    assert app.status == "rejected" and not ProgrammeCredit.objects.exists()
    assert [e.pk for e in convertible_entries(person, programme)] == [a.pk]


def test_worker_applies_and_staff_decide_through_the_pages(world: dict[str, Any], client: Any) -> None:
    person, programme = world["person"], world["programme"]
    a = credit(person, world["district"], "course:1", 2)
    client.force_login(world["user"])
    page = client.get("/learning/credits/convert/")
    assert page.status_code == 200 and "城市管理" in page.content.decode()
    assert (
        client.post("/learning/credits/convert/", {"programme": programme.pk}).status_code == 200
    )  # none chosen
    response = client.post("/learning/credits/convert/", {"programme": programme.pk, "entries": [a.pk]})
    assert response.status_code == 302
    app = ConversionApplication.objects.get()
    client.force_login(world["staff"])
    queue = client.get("/learning/console/conversions/").content.decode()
    assert 'data-testid="conversion-row"' in queue
    decided = client.post(f"/learning/console/conversions/{app.pk}/", {"decision": "approve", "note": ""})
    assert decided.status_code == 302
    client.force_login(world["user"])
    statement = client.get("/learning/credits/").content.decode()
    assert 'data-testid="programme-credits">3.0<' in statement
    assert "转入 3.0 学分" in client.get("/learning/credits/convert/").content.decode()
