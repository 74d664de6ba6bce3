"""四季帮扶 campaigns: the list built by the rules, reviewed, frozen on approval (later edits do not
change it), one household once per cycle, the budget reserved in funds, the bank batch round trip
with a failed line followed up, goods against a signed receipt, and the cockpit facts."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from yugong.assistance import services as s
from yugong.assistance.models import Beneficiary, CampaignCycle, HardshipFile
from yugong.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from yugong.core.models import AuditEvent, DailyFact
from yugong.funds import ledger
from yugong.funds.models import BudgetLine, Commitment, PayoutBatch, PayoutLine

from .campaign_world import World, active_file, build_world, cycle
from .conftest import LINE, Tree

B = Beneficiary.Status
CS = CampaignCycle.Status


@pytest.fixture
def world(tree: Tree) -> World:
    return build_world(tree)


def _frozen(world: World, c: CampaignCycle) -> CampaignCycle:
    s.cycle_build(actor=world.tree.yz_staff, cycle=c)
    s.cycle_submit(actor=world.tree.yz_staff, cycle=c)
    return s.cycle_approve(actor=world.chair, cycle=c)


def _results(batch: PayoutBatch, failed: set[int] = frozenset()) -> io.BytesIO:  # type: ignore[assignment]
    text = io.StringIO()
    w = csv.writer(text)
    w.writerow(["客户流水号", "处理结果", "失败原因", "金额"])
    for line in PayoutLine.objects.filter(batch=batch).order_by("pk"):
        bad = line.pk in failed
        w.writerow(
            [
                line.number,
                "失败" if bad else "成功",
                "户名不符" if bad else "",
                f"{line.amount_fen / 100:.2f}",
            ]
        )
    return io.BytesIO(text.getvalue().encode("gbk"))


def test_build_applies_tier_cause_area_and_school_rules(world: World) -> None:
    t = world.tree
    deep = active_file(t.store, income_fen=LINE - 1)
    relative = active_file(t.store, income_fen=LINE)
    with_child = active_file(t.store, income_fen=LINE, students=2, causes=("education",))
    active_file(t.store, income_fen=10 * LINE)  # no tier
    active_file(t.factory, income_fen=LINE - 1)  # 江北: outside the campaign's union
    pending = active_file(t.store, income_fen=LINE - 1)
    HardshipFile.objects.filter(pk=pending.pk).update(status=HardshipFile.Status.VISITING)
    c = cycle(world, amounts={"deep": 100_000, "relative": 50_000, "per_student": 20_000})
    c = s.cycle_build(actor=t.yz_staff, cycle=c)
    got = {b.file_id: b.amount_fen for b in c.beneficiaries.all()}
    assert got == {deep.pk: 100_000, relative.pk: 50_000, with_child.pk: 100_000 + 2 * 20_000}
    assert (c.people, c.total_fen) == (3, 290_000)
    school = cycle(world, name="金秋助学", rules={"in_school": True, "causes": ["education"]})
    school = s.cycle_build(actor=t.yz_staff, cycle=school)
    assert list(school.beneficiaries.values_list("file_id", flat=True)) == [with_child.pk]
    only_deep = s.cycle_build(actor=t.yz_staff, cycle=cycle(world, name="深度", rules={"tiers": ["deep"]}))
    assert set(only_deep.beneficiaries.values_list("file_id", flat=True)) == {deep.pk, with_child.pk}


def test_area_must_be_inside_the_campaign_union_and_rules_are_checked(world: World) -> None:
    with pytest.raises(ValidationFailed) as exc:
        cycle(
            world,
            rules={"area_union_id": world.tree.factory.pk, "tiers": ["rich"], "causes": ["x"]},
            amounts={"deep": -1},
        )
    assert {"area_union_id", "tiers", "causes", "amounts.deep"} <= set(exc.value.fields)
    c = cycle(world, rules={"area_union_id": world.tree.store.pk})
    assert c.rules["area_union_id"] == world.tree.store.pk


def test_frozen_list_does_not_change_when_files_change(world: World) -> None:
    t = world.tree
    f = active_file(t.store, income_fen=LINE - 1)
    other = active_file(t.store, income_fen=LINE)
    c = _frozen(world, cycle(world))
    before = list(c.beneficiaries.order_by("pk").values_list("file_id", "tier", "amount_fen", "union_id"))
    HardshipFile.objects.filter(pk=f.pk).update(tier="", union=t.factory)
    HardshipFile.objects.filter(pk=other.pk).update(status=HardshipFile.Status.REJECTED)
    active_file(t.store, income_fen=LINE - 1)  # a new eligible file after the freeze
    after = list(c.beneficiaries.order_by("pk").values_list("file_id", "tier", "amount_fen", "union_id"))
    assert after == before and len(after) == 2
    c.refresh_from_db()
    assert (c.status, c.people, c.total_fen) == (CS.FROZEN, 2, 150_000)
    with pytest.raises(Conflict):
        s.cycle_build(actor=t.yz_staff, cycle=c)
    with pytest.raises(Conflict):
        s.beneficiary_add(actor=t.yz_staff, cycle=c, file=f, note="增补")


def test_review_adds_by_hand_once_and_excludes_with_reason(world: World) -> None:
    t = world.tree
    f = active_file(t.store, income_fen=LINE - 1)
    late = active_file(t.store, income_fen=LINE - 1)
    HardshipFile.objects.filter(pk=late.pk).update(status=HardshipFile.Status.NOTICE)
    c = cycle(world)
    s.cycle_build(actor=t.yz_staff, cycle=c)
    with pytest.raises(Conflict) as exc:
        s.beneficiary_add(actor=t.yz_staff, cycle=c, file=f, note="重复")
    assert exc.value.code == "once_per_cycle"
    with pytest.raises(Conflict):
        s.beneficiary_add(actor=t.yz_staff, cycle=c, file=late, note="新建档")
    HardshipFile.objects.filter(pk=late.pk).update(status=HardshipFile.Status.ACTIVE)
    with pytest.raises(ValidationFailed):
        s.beneficiary_add(actor=t.yz_staff, cycle=c, file=late, note="")
    row = s.beneficiary_add(actor=t.yz_staff, cycle=c, file=late, note="新建档家庭，临时增补")
    assert row.added_by_hand and row.amount_fen == 100_000
    outside = active_file(t.factory, income_fen=LINE - 1)
    with pytest.raises(NotFound):
        s.beneficiary_add(actor=t.yz_staff, cycle=c, file=outside, note="外区")
    first = c.beneficiaries.get(file=f)
    with pytest.raises(ValidationFailed):
        s.beneficiary_exclude(actor=t.yz_staff, beneficiary=first, reason="")
    s.beneficiary_exclude(actor=t.yz_staff, beneficiary=first, reason="已脱困")
    s.cycle_build(actor=t.yz_staff, cycle=c)  # a rebuild keeps the hand-added row
    assert c.beneficiaries.filter(added_by_hand=True).count() == 1
    with pytest.raises(NotFound):
        s.beneficiary_add(actor=t.jb_staff, cycle=c, file=late, note="越权")


def test_submit_asks_funds_and_a_leader_other_than_the_submitter_freezes(world: World) -> None:
    t = world.tree
    active_file(t.store, income_fen=LINE - 1)
    c = cycle(world)
    with pytest.raises(ValidationFailed):
        s.cycle_submit(actor=t.yz_staff, cycle=c)  # nothing built yet
    s.cycle_build(actor=t.yz_staff, cycle=c)
    c = s.cycle_submit(actor=t.yz_staff, cycle=c)
    commitment = Commitment.objects.get(pk=c.commitment_id)
    assert (commitment.status, commitment.amount_fen) == (Commitment.Status.PENDING, 100_000)
    with pytest.raises(PermissionDenied):
        s.cycle_approve(actor=t.yz_staff, cycle=c)  # staff is no leader
    with pytest.raises(NotFound):
        s.cycle_approve(actor=t.jb_staff, cycle=c)
    c = s.cycle_approve(actor=world.chair, cycle=c)
    assert c.status == CS.FROZEN and c.frozen_by == world.chair
    line = BudgetLine.objects.get(pk=world.line.pk)
    assert line.reserved_fen == 100_000
    assert AuditEvent.objects.filter(action="assistance.cycle_approve", object_id=str(c.pk)).exists()


def test_a_leader_cannot_approve_a_list_they_submitted(world: World) -> None:
    active_file(world.tree.store, income_fen=LINE - 1)
    c = cycle(world)
    s.cycle_build(actor=world.chair, cycle=c)
    s.cycle_submit(actor=world.chair, cycle=c)
    with pytest.raises(PermissionDenied):
        s.cycle_approve(actor=world.chair, cycle=c)


def test_above_the_threshold_a_second_leader_completes_and_return_withdraws(
    world: World, settings: Any
) -> None:
    settings.FUNDS_SECOND_APPROVAL_FEN = 50_000
    active_file(world.tree.store, income_fen=LINE - 1)
    c = cycle(world)
    s.cycle_build(actor=world.tree.yz_staff, cycle=c)
    s.cycle_submit(actor=world.tree.yz_staff, cycle=c)
    with pytest.raises(Conflict) as exc:
        s.cycle_approve(actor=world.chair, cycle=c)
    assert exc.value.code == "second_approval"
    c.refresh_from_db()
    assert c.status == CS.SUBMITTED
    assert Commitment.objects.get(pk=c.commitment_id).status == Commitment.Status.FIRST_APPROVED
    assert s.cycle_approve(actor=world.vice, cycle=c).status == CS.FROZEN

    other = cycle(world, name="第二批")
    s.cycle_build(actor=world.tree.yz_staff, cycle=other)
    other = s.cycle_submit(actor=world.tree.yz_staff, cycle=other)
    commitment_id = other.commitment_id
    other = s.cycle_return(actor=world.chair, cycle=other, reason="请核实名单")
    assert other.status == CS.DRAFT and other.commitment_id is None
    assert Commitment.objects.get(pk=commitment_id).status == Commitment.Status.REJECTED


def test_cash_round_trip_with_a_failed_line_followed_up(world: World) -> None:
    t = world.tree
    files = [active_file(t.store, income_fen=LINE - 1) for _ in range(3)]
    c = _frozen(world, cycle(world))
    with pytest.raises(PermissionDenied):
        s.cycle_pay(actor=t.yz_staff, cycle=c)  # staff is not finance
    batch = s.cycle_pay(actor=world.finance, cycle=c)
    c.refresh_from_db()
    assert c.status == CS.PAYING and batch.kind == PayoutBatch.Kind.AID
    assert batch.line_count == 3 and batch.total_fen == 300_000
    line = BudgetLine.objects.get(pk=world.line.pk)
    assert (line.reserved_fen, line.spent_fen) == (0, 300_000)
    assert set(c.beneficiaries.values_list("status", flat=True)) == {B.SENT}
    with pytest.raises(Conflict):
        s.cycle_close(actor=t.yz_staff, cycle=c)

    bad = c.beneficiaries.get(file=files[1])
    s.cycle_results_import(
        actor=world.finance, cycle=c, batch=batch, data=_results(batch, {bad.payout_line_id})
    )
    statuses = dict(c.beneficiaries.values_list("file_id", "status"))
    assert statuses == {files[0].pk: B.PAID, files[1].pk: B.FAILED, files[2].pk: B.PAID}
    people = DailyFact.objects.get(metric="assistance.aid_people", union_id=t.store.pk, dim="winter_warmth")
    fen = DailyFact.objects.get(metric="assistance.aid_fen", union_id=t.store.pk, dim="winter_warmth")
    assert (people.value, fen.value) == (2, 200_000)
    # the same result file again changes nothing
    s.cycle_results_import(
        actor=world.finance, cycle=c, batch=batch, data=_results(batch, {bad.payout_line_id})
    )
    assert DailyFact.objects.get(pk=people.pk).value == 2

    HardshipFile.objects.filter(pk=files[1].pk).update(bank_card="6217000012345678")  # corrected card
    follow = s.cycle_retry_failed(actor=world.finance, cycle=c, batch=batch)
    assert follow.follow_up_of_id == batch.pk and follow.status == PayoutBatch.Status.EXPORTED
    bad.refresh_from_db()
    assert bad.status == B.SENT and bad.payout_line is not None
    assert bad.payout_line.batch_id == follow.pk and bad.payout_line.account_no == "6217000012345678"
    s.cycle_results_import(actor=world.finance, cycle=c, batch=follow, data=_results(follow))
    assert set(c.beneficiaries.values_list("status", flat=True)) == {B.PAID}
    assert DailyFact.objects.get(pk=people.pk).value == 3
    assert ledger.balance(ledger.payout_suspense(t.yuzhong.pk)) == 0
    assert ledger.balance(ledger.BANK_CLEARING) == 0
    assert ledger.trial_balance() == 0
    c = s.cycle_close(actor=t.yz_staff, cycle=c)
    assert c.status == CS.CLOSED


def test_a_household_without_a_card_stops_the_payment_by_row(world: World) -> None:
    active_file(world.tree.store, income_fen=LINE - 1)
    active_file(world.tree.store, income_fen=LINE - 1, card="", name="赵六")
    c = _frozen(world, cycle(world))
    with pytest.raises(ValidationFailed) as exc:
        s.cycle_pay(actor=world.finance, cycle=c)
    assert "row 2" in exc.value.fields
    assert not PayoutBatch.objects.exists()


def test_goods_are_signed_for_counted_and_the_rest_released(world: World) -> None:
    t = world.tree
    a = active_file(t.store, income_fen=LINE - 1)
    active_file(t.store, income_fen=LINE - 1)
    c = cycle(world, mode="goods", goods="米面油一份", amounts={"deep": 20_000})
    c = _frozen(world, c)
    assert BudgetLine.objects.get(pk=world.line.pk).reserved_fen == 40_000
    row = c.beneficiaries.get(file=a)
    with pytest.raises(ValidationFailed):
        s.beneficiary_deliver(actor=t.store_staff, beneficiary=row, signed_by="")
    with pytest.raises(NotFound):
        s.beneficiary_deliver(actor=t.jb_staff, beneficiary=row, signed_by="王")
    s.beneficiary_deliver(actor=t.store_staff, beneficiary=row, signed_by="职工本人", receipt_image="x.png")
    with pytest.raises(Conflict):
        s.beneficiary_deliver(actor=t.store_staff, beneficiary=row, signed_by="职工本人")
    with pytest.raises(Conflict):
        s.cycle_pay(actor=world.finance, cycle=c)
    assert DailyFact.objects.get(metric="assistance.aid_people", union_id=t.store.pk).value == 1
    s.cycle_close(actor=t.yz_staff, cycle=c)
    line = BudgetLine.objects.get(pk=world.line.pk)
    assert (line.reserved_fen, line.spent_fen) == (0, 20_000)
