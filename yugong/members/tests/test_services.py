from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from yugong.accounts.system import system_actor
from yugong.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from yugong.core.models import AuditEvent, DailyFact, PersonFact
from yugong.core.pii import blind_index
from yugong.core.timeutil import SHANGHAI
from yugong.members import services
from yugong.members.models import Membership, Person, member_numbers_allocate
from yugong.orgs.models import Employer

from .factories import make_id_number, make_member, make_person

pytestmark = pytest.mark.django_db


def data(**over: Any) -> dict[str, Any]:
    base = {
        "name": "王小明",
        "id_number": make_id_number("19920315", sex="M"),
        "phone": "13912345678",
        "employment_form": "regular",
        "migrant_worker": False,
    }
    base.update(over)
    return base


def apply(tree: dict[str, Any], **kw: Any) -> Membership:
    kw.setdefault("person_data", data())
    kw.setdefault("channel", "scan")
    return services.membership_apply(actor=tree["worker"], **kw)


def fact(metric: str, union_id: int) -> int:
    return sum(DailyFact.objects.filter(metric=metric, union_id=union_id).values_list("value", flat=True))


# --- People ---------------------------------------------------------------------------------


def test_person_upsert_derives_and_cross_checks(tree: dict[str, Any]) -> None:
    idn = make_id_number("19850704", sex="F")
    person = services.person_upsert(actor=system_actor(), data=data(id_number=idn, phone="+86 139-1234-5678"))
    assert person.birth_date == dt.date(1985, 7, 4)
    assert person.sex == "F"
    assert person.phone == "13912345678"
    assert person.phone_tail == "5678"
    assert person.id_number_index == blind_index("id_number", idn)
    # the same ID number (full-width, lower-case x) finds the same person
    again = services.person_upsert(actor=system_actor(), data=data(id_number=idn, name="王小红"))
    assert again.pk == person.pk and again.name == "王小红"
    assert Person.objects.count() == 1

    with pytest.raises(ValidationFailed) as exc:
        services.person_upsert(
            actor=system_actor(), data=data(id_number=idn, birth_date="1985-07-05", sex="男")
        )
    assert set(exc.value.fields) == {"birth_date", "sex"}
    assert "不一致" in str(exc.value.fields["birth_date"][0])


def test_person_validation_names_every_field(tree: dict[str, Any]) -> None:
    with pytest.raises(ValidationFailed) as exc:
        services.person_upsert(
            actor=system_actor(),
            data={"name": "", "id_number": "500103199001011235", "phone": "12345", "employment_form": "x"},
        )
    assert set(exc.value.fields) == {"name", "id_number", "phone", "employment_form"}
    assert "校验位" in str(exc.value.fields["id_number"][0])


def test_fifteen_digit_id_upgraded(tree: dict[str, Any]) -> None:
    person = services.person_upsert(actor=system_actor(), data=data(id_number="500103900101123"))
    assert len(person.id_number) == 18 and person.id_number.startswith("50010319900101123")
    assert person.birth_date == dt.date(1990, 1, 1)


def test_id_number_bound_to_another_account(tree: dict[str, Any]) -> None:
    from tests.helpers import UserFactory

    idn = make_id_number()
    services.person_upsert(actor=system_actor(), data=data(id_number=idn), user=tree["worker"])
    with pytest.raises(Conflict):
        services.person_upsert(actor=system_actor(), data=data(id_number=idn), user=UserFactory())


# --- Routing --------------------------------------------------------------------------------


def test_apply_to_the_chosen_union(
    tree: dict[str, Any], _sms_outbox: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        m = apply(tree, union=tree["shop"])
    assert m.union == tree["shop"] and m.status == "pending" and m.channel == "scan"
    assert m.person.user == tree["worker"]
    assert m.due_at is not None and m.due_at > m.applied_at
    assert fact("members.applied", tree["shop"].pk) == 1
    assert AuditEvent.objects.filter(action="membership.apply", object_id=str(m.pk)).exists()
    assert [s.phone for s in _sms_outbox] == ["13912345678"]


def test_apply_phone_defaults_to_account(tree: dict[str, Any]) -> None:
    d = data()
    del d["phone"]
    m = apply(tree, union=tree["shop"], person_data=d)
    assert m.person.phone == "13800138001"


def test_due_at_counts_working_days(tree: dict[str, Any], settings: Any, monkeypatch: Any) -> None:
    settings.MEMBERSHIP_DECISION_WORKING_DAYS = 3
    moment = dt.datetime(2025, 9, 30, 10, 0, tzinfo=SHANGHAI)  # Tuesday before National Day
    from yugong.members.services import applications

    monkeypatch.setattr(applications, "now", lambda: moment)
    m = apply(tree, union=tree["shop"])
    # 1–8 Oct off: 9, 10 Oct, then 11 Oct (an adjusted working Saturday)
    assert m.due_at == dt.datetime(2025, 10, 11, 10, 0, tzinfo=SHANGHAI)


def test_apply_routed_to_employers_union(tree: dict[str, Any]) -> None:
    from yugong.core.validators import uscc_check_char

    first17 = "91500105MA5U12345"
    employer = Employer.objects.create(
        name="长江机械厂", uscc=first17 + uscc_check_char(first17), union=tree["factory"]
    )
    m = apply(tree, employer=employer, channel="online")
    assert m.union == tree["factory"]
    assert m.person.employer == employer and m.person.employer_name == "长江机械厂"


def test_gig_worker_routed_to_district_federation(tree: dict[str, Any]) -> None:
    m = apply(tree, person_data=data(employment_form="rider"), district="渝中区", channel="online")
    assert m.union == tree["riders"]


def test_gig_worker_without_federation_refused(tree: dict[str, Any]) -> None:
    with pytest.raises(ValidationFailed) as exc:
        apply(tree, person_data=data(employment_form="rider"), district="江北区", channel="online")
    assert "district" in exc.value.fields


def test_regular_worker_without_union_refused(tree: dict[str, Any]) -> None:
    with pytest.raises(ValidationFailed) as exc:
        apply(tree, channel="online")
    assert "union" in exc.value.fields
    assert Membership.objects.count() == 0 and Person.objects.count() == 0


def test_district_union_does_not_take_members_directly(tree: dict[str, Any]) -> None:
    with pytest.raises(ValidationFailed):
        apply(tree, union=tree["yz"])


def test_one_pending_and_one_active(tree: dict[str, Any]) -> None:
    d = data()
    m = apply(tree, union=tree["shop"], person_data=d)
    with pytest.raises(Conflict):
        apply(tree, union=tree["factory"], person_data=d)
    services.membership_approve(actor=tree["shop_staff"], membership=m)
    with pytest.raises(Conflict) as exc:
        apply(tree, union=tree["factory"], person_data=d)
    assert "转会" in str(exc.value.message)


def test_staff_apply_on_behalf_needs_role(tree: dict[str, Any]) -> None:
    m = services.membership_apply(
        actor=tree["shop_staff"], person_data=data(), union=tree["branch"], channel="staff"
    )
    assert m.person.user is None
    with pytest.raises(NotFound):
        services.membership_apply(
            actor=tree["shop_staff"],
            person_data=data(id_number=make_id_number()),
            union=tree["factory"],
            channel="staff",
        )


# --- Decisions ------------------------------------------------------------------------------


def test_approve_allocates_member_number(
    tree: dict[str, Any], _sms_outbox: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    m = apply(tree, union=tree["shop"], person_data=data(migrant_worker=True))
    with django_capture_on_commit_callbacks(execute=True):
        m = services.membership_approve(actor=tree["district_staff"], membership=m)
    assert m.status == "active" and m.member_no and m.member_since == timezone.localdate()
    assert m.decided_by == tree["district_staff"]
    assert fact("members.approved", tree["shop"].pk) == 1
    assert DailyFact.objects.get(metric="members.approved").dim == "regular"
    assert fact("members.migrant_joined", tree["shop"].pk) == 1
    assert PersonFact.objects.get(metric="members.people_joined").person_id == m.person_id
    assert m.member_no in _sms_outbox[-1].text
    with pytest.raises(Conflict):
        services.membership_approve(actor=tree["district_staff"], membership=m)


def test_approve_outside_subtree_is_not_found(tree: dict[str, Any]) -> None:
    m = apply(tree, union=tree["shop"])
    with pytest.raises(NotFound):
        services.membership_approve(actor=tree["jb_staff"], membership=m)
    with pytest.raises(PermissionDenied):
        services.membership_approve(actor=tree["viewer"], membership=m)
    with pytest.raises(NotFound):
        services.membership_approve(actor=tree["shop_staff"], membership=999999)


def test_reject_needs_reason(
    tree: dict[str, Any], _sms_outbox: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    m = apply(tree, union=tree["shop"])
    with pytest.raises(ValidationFailed) as exc:
        services.membership_reject(actor=tree["shop_staff"], membership=m, reason="  ")
    assert "reason" in exc.value.fields
    with django_capture_on_commit_callbacks(execute=True):
        m = services.membership_reject(actor=tree["shop_staff"], membership=m, reason="非本单位职工")
    assert m.status == "rejected" and m.reject_reason == "非本单位职工"
    assert "非本单位职工" in _sms_outbox[-1].text
    assert fact("members.rejected", tree["shop"].pk) == 1
    # rejected: may apply again
    apply(tree, union=tree["shop"], person_data=data(id_number=m.person.id_number))


def test_withdraw_own_application(tree: dict[str, Any]) -> None:
    m = apply(tree, union=tree["shop"])
    with pytest.raises(NotFound):
        services.membership_withdraw(actor=tree["shop_staff"], membership=m)
    m = services.membership_withdraw(actor=tree["worker"], membership=m)
    assert m.status == "withdrawn"


def test_member_numbers_are_unique_and_blockwise() -> None:
    block = member_numbers_allocate(count=3, key="2031")
    single = member_numbers_allocate(count=1, key="2031")
    assert len(set(block + single)) == 4
    assert block[0].endswith("00000001") and single[0].endswith("00000004")
    assert member_numbers_allocate(count=0) == []


# --- Transfer, suspend, leave ---------------------------------------------------------------


def _active(tree: dict[str, Any]) -> Membership:
    m = apply(tree, union=tree["shop"])
    return services.membership_approve(actor=tree["shop_staff"], membership=m)


def test_transfer_keeps_member_since_and_number(tree: dict[str, Any]) -> None:
    old = _active(tree)
    Membership.objects.filter(pk=old.pk).update(member_since=dt.date(2015, 5, 1))
    new = services.membership_transfer_request(actor=tree["worker"], membership=old, target=tree["factory"])
    assert new.status == "pending" and new.previous_id == old.pk and new.channel == "transfer"
    # the outgoing union's staff cannot accept on the target's behalf
    with pytest.raises(NotFound):
        services.membership_transfer_approve(actor=tree["shop_staff"], membership=new)
    new = services.membership_transfer_approve(actor=tree["jb_staff"], membership=new)
    old.refresh_from_db()
    assert old.status == "transferred" and old.ended_on == timezone.localdate()
    assert new.status == "active" and new.union == tree["factory"]
    assert new.member_no == old.member_no
    assert new.member_since == dt.date(2015, 5, 1)
    assert fact("members.transferred_out", tree["shop"].pk) == 1
    assert fact("members.transferred_in", tree["factory"].pk) == 1
    assert Membership.objects.filter(person=old.person, status__in=Membership.CURRENT).count() == 1


def test_transfer_rules(tree: dict[str, Any]) -> None:
    old = _active(tree)
    with pytest.raises(ValidationFailed):
        services.membership_transfer_request(actor=tree["worker"], membership=old, target=tree["shop"])
    with pytest.raises(NotFound):  # a stranger
        services.membership_transfer_request(actor=tree["jb_staff"], membership=old, target=tree["factory"])
    new = services.membership_transfer_request(actor=tree["worker"], membership=old, target=tree["factory"])
    with pytest.raises(Conflict):
        services.membership_transfer_request(actor=tree["worker"], membership=old, target=tree["riders"])
    with pytest.raises(Conflict):  # leaving with a transfer pending
        services.membership_leave(actor=tree["worker"], membership=old)
    # a rejected transfer leaves the old membership active
    services.membership_reject(actor=tree["jb_staff"], membership=new, reason="请先办理原单位离职")
    old.refresh_from_db()
    assert old.status == "active"


def test_approve_on_a_transfer_row_completes_the_transfer(tree: dict[str, Any]) -> None:
    old = _active(tree)
    new = services.membership_transfer_request(
        actor=tree["shop_staff"], membership=old, target=tree["branch"]
    )
    new = services.membership_approve(actor=tree["shop_staff"], membership=new)
    assert new.status == "active" and new.member_no == old.member_no


def test_suspend_resume_leave(tree: dict[str, Any]) -> None:
    m = _active(tree)
    with pytest.raises(ValidationFailed):
        services.membership_suspend(actor=tree["shop_staff"], membership=m, reason="")
    m = services.membership_suspend(actor=tree["shop_staff"], membership=m, reason="长期失联")
    assert m.status == "suspended"
    with pytest.raises(Conflict):
        services.membership_suspend(actor=tree["shop_staff"], membership=m, reason="again")
    m = services.membership_resume(actor=tree["shop_staff"], membership=m)
    assert m.status == "active"
    with pytest.raises(NotFound):
        services.membership_leave(actor=tree["jb_staff"], membership=m)
    m = services.membership_leave(actor=tree["worker"], membership=m, reason="退休")
    assert m.status == "left" and m.ended_on == timezone.localdate()
    assert fact("members.left", tree["shop"].pk) == 1


# --- Overdue --------------------------------------------------------------------------------


def test_overdue_flagged_once_to_the_level_above(
    tree: dict[str, Any], _sms_outbox: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    from yugong.members.selectors import overdue_for

    tree["district_staff"].phone = "13700000001"
    tree["district_staff"].save()
    late = apply(tree, union=tree["shop"])
    Membership.objects.filter(pk=late.pk).update(due_at=timezone.now() - dt.timedelta(hours=1))
    on_time = make_member(tree["shop"], status="pending", due_at=timezone.now() + dt.timedelta(days=3))
    # an application at the district itself is not "below" the district
    own = make_member(tree["yz"], status="pending", due_at=timezone.now() - dt.timedelta(days=1))

    rows = overdue_for(tree["district_staff"]).rows
    assert [m.pk for m in rows] == [late.pk]
    assert overdue_for(tree["shop_staff"]).rows == []
    assert overdue_for(tree["jb_staff"]).rows == []

    _sms_outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.membership_flag_overdue() == 2  # late (→ district) and own (→ city)
    assert services.membership_flag_overdue() == 0
    assert [s.phone for s in _sms_outbox] == ["13700000001"]
    event = AuditEvent.objects.get(action="membership.overdue", object_id=str(late.pk))
    assert event.union_id == tree["yz"].pk
    assert on_time.overdue_flagged_at is None and own.pk


def test_flag_overdue_command(tree: dict[str, Any]) -> None:
    from io import StringIO

    from django.core.management import call_command

    make_member(tree["shop"], person=make_person(), status="pending", due_at=timezone.now() - dt.timedelta(1))
    out = StringIO()
    call_command("flag_overdue_memberships", stdout=out)
    assert "flagged 1" in out.getvalue()
