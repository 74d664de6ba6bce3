"""Dynamic management: annual review recomputes the tier, exit/removal with a reason, re-entry of
the same file, the file following its member's transfer (the old union loses it), retention."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils.timezone import now

from tests.helpers import UserFactory, grant
from yugong.accounts.system import system_actor
from yugong.assistance import selectors
from yugong.assistance import services as s
from yugong.assistance.models import Beneficiary, FileStep, HardshipFile
from yugong.core.errors import Conflict, NotFound, ValidationFailed
from yugong.core.models import AuditEvent
from yugong.core.timeutil import local_today
from yugong.members.models import Membership
from yugong.members.services.transfers import membership_transfer_approve, membership_transfer_request

from .campaign_world import active_file, build_world, cycle
from .conftest import LINE, Tree

Status = HardshipFile.Status


def test_activation_schedules_the_review_and_the_due_list_is_scoped(tree: Tree) -> None:
    f = active_file(tree.store, income_fen=LINE - 1)
    HardshipFile.objects.filter(pk=f.pk).update(review_due_on=local_today() + dt.timedelta(days=10))
    assert list(selectors.review_due(tree.yz_staff)) == [HardshipFile.objects.get(pk=f.pk)]
    assert list(selectors.review_due(tree.jb_staff)) == []
    assert list(selectors.review_due(tree.yz_staff, within_days=5)) == []


def test_reassessment_recomputes_the_tier_and_schedules_the_next_review(tree: Tree) -> None:
    f = active_file(tree.store, income_fen=LINE - 1)
    assert f.tier == "deep"
    f = s.file_reassess(
        actor=tree.store_staff,
        file=f,
        incomes=[{"source": "工资", "monthly_fen": LINE}, {"source": "低保金", "monthly_fen": 1}],
        note="收入有所增加",
    )
    assert (f.tier, f.monthly_income_fen) == ("relative", LINE + 1)
    assert f.review_due_on == s.next_review() and f.reviewed_at is not None
    step = f.steps.get(kind=FileStep.Kind.REASSESSED)
    assert step.data["before"]["tier"] == "deep" and step.data["after"]["tier"] == "relative"
    assert AuditEvent.objects.filter(action="assistance.file_reassess", object_id=str(f.pk)).exists()
    with pytest.raises(ValidationFailed):
        s.file_reassess(actor=tree.store_staff, file=f, incomes=[{"source": "", "monthly_fen": -1}])
    with pytest.raises(NotFound):
        s.file_reassess(actor=tree.jb_staff, file=f, incomes=[])


def test_exit_with_a_reason_and_re_entry_goes_back_to_review(tree: Tree) -> None:
    f = active_file(tree.store, income_fen=LINE - 1, name="王五")
    with pytest.raises(ValidationFailed):
        s.file_close(actor=tree.store_staff, file=f, kind="exit", reason="")
    f = s.file_close(actor=tree.store_staff, file=f, kind="exit", reason="子女就业，收入稳定")
    assert f.status == Status.EXITED and f.closed_at is not None and f.review_due_on is None
    with pytest.raises(Conflict):
        s.file_close(actor=tree.store_staff, file=f, kind="remove", reason="重复")
    user = f.applicant.user
    f = s.file_reenter(actor=user, file=f, reason="再次患病")
    assert f.status == Status.SUBMITTED and f.closed_at is None and f.due_at is not None
    assert HardshipFile.objects.filter(applicant=f.applicant).count() == 1  # 一户一档
    assert [k for k in f.steps.values_list("kind", flat=True)][-3:] == [
        FileStep.Kind.EXITED,
        FileStep.Kind.EXIT_NOTICE,
        FileStep.Kind.REENTERED,
    ]


def test_the_file_follows_its_member_and_the_old_union_loses_it(
    tree: Tree, django_capture_on_commit_callbacks: Any
) -> None:
    f = active_file(tree.store, income_fen=LINE - 1)
    factory_staff = UserFactory()
    grant(factory_staff, tree.factory, "staff")
    current = Membership.objects.get(person=f.applicant, status=Membership.Status.ACTIVE)
    with django_capture_on_commit_callbacks(execute=True):
        pending = membership_transfer_request(actor=tree.store_staff, membership=current, target=tree.factory)
    with django_capture_on_commit_callbacks(execute=True):
        membership_transfer_approve(actor=factory_staff, membership=pending)
    f.refresh_from_db()
    assert f.union == tree.factory and f.district == "江北区"
    assert f.steps.filter(kind=FileStep.Kind.TRANSFERRED).exists()
    with pytest.raises(NotFound):
        selectors.staff_file(tree.store_staff, f.pk)
    assert selectors.staff_file(factory_staff, f.pk).pk == f.pk
    assert AuditEvent.objects.filter(action="assistance.file_transfer", union_id=tree.store.pk).exists()


def test_closed_files_are_deleted_after_the_retention_period(tree: Tree, settings: Any) -> None:
    settings.ASSISTANCE_RETENTION_YEARS = 10
    world = build_world(tree)
    old = active_file(tree.store, income_fen=LINE - 1)
    c = cycle(world)
    s.cycle_build(actor=tree.yz_staff, cycle=c)
    recent = active_file(tree.store, income_fen=LINE - 1)
    still = active_file(tree.store, income_fen=LINE - 1)
    s.file_close(actor=tree.store_staff, file=old, kind="exit", reason="脱困")
    s.file_close(actor=tree.store_staff, file=recent, kind="remove", reason="不符合条件")
    HardshipFile.objects.filter(pk=old.pk).update(closed_at=now() - dt.timedelta(days=3660 + 3))
    assert s.files_purge_expired(actor=system_actor()) == 1
    assert set(HardshipFile.objects.values_list("pk", flat=True)) == {recent.pk, still.pk}
    row = Beneficiary.objects.get(household=old.applicant)
    assert row.file_id is None and row.amount_fen == 100_000  # the payment record stays
    assert AuditEvent.objects.filter(action="assistance.file_purge").count() == 1
    assert s.files_purge_expired(actor=system_actor()) == 0
