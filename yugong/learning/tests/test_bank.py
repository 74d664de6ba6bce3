"""The credit bank: deposit → review → credit, per-source caps, the append-only ledger (enforced by
the database), the statement, and a contest certificate event credited exactly once."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction

from tests.helpers import UserFactory, grant, make_union
from yugong.accounts.system import system_actor
from yugong.core.errors import Conflict, NotFound, PermissionDenied
from yugong.core.events import deliver_event_now, event_publish
from yugong.core.models import DomainEvent, EventDelivery
from yugong.learning.bank import credit_statement, outcome_deposit, outcome_review
from yugong.learning.models import ConversionRule, CreditEntry, Outcome
from yugong.members.tests.factories import make_person

pytestmark = pytest.mark.django_db


def _deposit(person, union, ref="a", credits=3, source="innovation"):
    outcome, _ = outcome_deposit(
        person=person,
        source=source,
        source_ref=ref,
        title="五小成果",
        evidence={"file": "x.pdf"},
        credits=credits,
        union_id=union.pk,
        actor=system_actor(),
    )
    return outcome


def test_deposit_review_credit_and_statement():
    union = make_union(None)
    person = make_person()
    outcome = _deposit(person, union)
    again = _deposit(person, union)
    assert again.pk == outcome.pk and Outcome.objects.count() == 1
    assert credit_statement(person).pending == 1
    staff = UserFactory()
    grant(staff, union, "staff")
    outcome = outcome_review(actor=staff, outcome_id=outcome.pk, approve=True)
    assert outcome.status == "credited"
    statement = credit_statement(person)
    assert statement.total == Decimal(3) and len(statement.entries) == 1 and statement.pending == 0
    with pytest.raises(Conflict):
        outcome_review(actor=staff, outcome_id=outcome.pk, approve=True)


def test_rejected_outcome_gives_no_credit():
    union = make_union(None)
    outcome = _deposit(make_person(), union)
    outcome = outcome_review(actor=system_actor(), outcome_id=outcome.pk, approve=False, note="佐证不足")
    assert outcome.status == "rejected" and not CreditEntry.objects.exists()


def test_review_is_scoped_to_the_union_subtree():
    city = make_union(None)
    district = make_union(city, kind="district")
    other = make_union(city, kind="district")
    outcome = _deposit(make_person(), district)
    outsider = UserFactory()
    grant(outsider, other, "staff")
    with pytest.raises(NotFound):
        outcome_review(actor=outsider, outcome_id=outcome.pk, approve=True)
    viewer = UserFactory()
    grant(viewer, district, "finance")
    with pytest.raises(PermissionDenied):
        outcome_review(actor=viewer, outcome_id=outcome.pk, approve=True)


def test_conversion_cap_per_source():
    ConversionRule.objects.create(
        source="innovation", default_credits=2, cap_credits=Decimal(5), validity_days=365
    )
    union = make_union(None)
    person = make_person()
    granted = []
    for ref in ("a", "b", "c"):
        outcome = _deposit(person, union, ref=ref, credits=3)
        outcome_review(actor=system_actor(), outcome_id=outcome.pk, approve=True)
        granted.append(CreditEntry.objects.get(outcome=outcome).credits)
    assert granted == [Decimal(3), Decimal(2), Decimal(0)]
    assert CreditEntry.objects.first().expires_on is not None
    # Another source is not capped by this one.
    other = _deposit(person, union, ref="h", credits=4, source="honour")
    outcome_review(actor=system_actor(), outcome_id=other.pk, approve=True)
    assert credit_statement(person).total == Decimal(9)


def test_the_ledger_is_append_only_in_the_database():
    union = make_union(None)
    outcome = _deposit(make_person(), union)
    outcome_review(actor=system_actor(), outcome_id=outcome.pk, approve=True)
    entry = CreditEntry.objects.get()
    with pytest.raises(ValueError):
        entry.save()
    with pytest.raises(ValueError):
        entry.delete()
    # Bypassing the model: the trigger refuses.
    with pytest.raises(Exception) as info, transaction.atomic():
        CreditEntry.objects.filter(pk=entry.pk).update(credits=99)
    assert "append-only" in str(info.value)
    if connection.vendor == "postgresql":
        with pytest.raises(Exception) as info, transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM learning_creditentry")
        assert "append-only" in str(info.value)
    assert CreditEntry.objects.get().credits == Decimal(3)


def test_outcome_once_per_source_item_in_the_database():
    union = make_union(None)
    outcome = _deposit(make_person(), union)
    with pytest.raises(IntegrityError), transaction.atomic():
        Outcome.objects.create(
            account=outcome.account,
            source="innovation",
            source_ref="a",
            title="x",
            credits_claimed=1,
            union=union,
        )


def test_a_certificate_event_delivered_twice_gives_one_credit(django_capture_on_commit_callbacks):
    ConversionRule.objects.create(source="contest_certificate", default_credits=Decimal("1.5"))
    union = make_union(None)
    person = make_person()
    payload = {
        "person_id": person.pk,
        "certificate_id": "quiz-7",
        "contest_title": "安全知识竞赛",
        "level": "一等奖",
    }
    with django_capture_on_commit_callbacks(execute=True):
        first = event_publish(
            kind="contests.certificate_issued", payload=payload, union_id=union.pk, actor=system_actor()
        )
    # The same certificate published again (a retried publisher) and its delivery run again.
    with django_capture_on_commit_callbacks(execute=True):
        event_publish(
            kind="contests.certificate_issued", payload=payload, union_id=union.pk, actor=system_actor()
        )
    deliver_event_now(first.pk)
    assert DomainEvent.objects.filter(kind="contests.certificate_issued").count() == 2
    assert EventDelivery.objects.filter(status="done").count() >= 2
    entry = CreditEntry.objects.get()
    assert entry.credits == Decimal("1.5") and entry.source == "contest_certificate"
    assert credit_statement(person).total == Decimal("1.5")
