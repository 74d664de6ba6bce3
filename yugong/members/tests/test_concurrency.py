"""Two staff approving the same application at the same moment, on the real PostgreSQL: exactly one
approval and one member number. A control run shows the race is real without the row lock."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from tests.helpers import UserFactory, grant, make_union, requires_postgres
from tests.race import race
from yugong.core.audit import audit_record
from yugong.core.errors import ApplicationError
from yugong.members import services
from yugong.members.models import MemberNumberCounter, Membership, member_numbers_allocate

from .factories import make_person

pytestmark = [requires_postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def pending() -> tuple[Membership, list[Any]]:
    city = make_union(None, name="市总")
    shop = make_union(city, kind="grassroots", name="基层工会")
    staff = [UserFactory(is_staff=True) for _ in range(4)]
    for user in staff:
        grant(user, shop, "staff")
    m = Membership.objects.create(person=make_person(), union=shop, status="pending", due_at=timezone.now())
    return m, staff


def test_two_staff_approving_at_once_give_one_approval_and_one_number(
    pending: tuple[Membership, list[Any]],
) -> None:
    m, staff = pending
    results = race(4, lambda i: services.membership_approve(actor=staff[i], membership=m.pk))
    approved = [r for r in results if isinstance(r, Membership)]
    refused = [r for r in results if isinstance(r, ApplicationError)]
    assert len(approved) == 1, results
    assert len(refused) == 3 and all(r.status == 409 for r in refused)
    m.refresh_from_db()
    assert m.status == "active" and m.member_no == approved[0].member_no
    # exactly one number was taken from the counter
    assert MemberNumberCounter.objects.get().next_value == 2
    from yugong.core.models import AuditEvent, DailyFact

    assert AuditEvent.objects.filter(action="membership.approve").count() == 1
    assert DailyFact.objects.get(metric="members.approved").value == 1


def test_control_without_the_lock_the_race_is_real(pending: tuple[Membership, list[Any]]) -> None:
    """The naive check-then-act (read without a lock, then write) lets several approvals through,
    each with its own number: the lock in membership_approve is what prevents it."""
    m, staff = pending

    def naive(i: int) -> str | None:
        with transaction.atomic():
            row = Membership.objects.get(pk=m.pk)
            if row.status != "pending":
                return None
            barrier_wait()
            number = member_numbers_allocate(count=1)[0]
            Membership.objects.filter(pk=m.pk).update(member_no=number, status="active")
            audit_record(actor=staff[i], action="naive.approve", obj=row)
            return number

    gate = threading.Barrier(2)

    def barrier_wait() -> None:
        gate.wait(timeout=10)

    results = race(2, naive)
    numbers = [r for r in results if isinstance(r, str)]
    assert len(numbers) == 2, results  # both "approved", two numbers spent on one application


def test_member_number_blocks_never_overlap() -> None:
    results = race(6, lambda i: member_numbers_allocate(count=50, key="2099"))
    numbers = [n for block in results for n in block]
    assert len(numbers) == 300 and len(set(numbers)) == 300


def test_two_applications_at_once_leave_one_pending() -> None:
    city = make_union(None, name="市总")
    shop = make_union(city, kind="grassroots", name="基层工会")
    worker = UserFactory(phone="13800138123")
    from .factories import make_id_number

    idn = make_id_number()

    def apply(i: int) -> Membership:
        return services.membership_apply(
            actor=worker,
            person_data={"name": "并发", "id_number": idn, "employment_form": "regular"},
            union=shop,
            channel="online",
        )

    results = race(3, apply)
    assert sum(isinstance(r, Membership) for r in results) == 1, results
    assert Membership.objects.filter(status="pending").count() == 1
