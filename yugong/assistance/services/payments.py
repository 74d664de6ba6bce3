"""Paying a frozen cycle: cash through a funds bank batch (代发), goods handed over against a signed
receipt. Money only moves through ``yugong.funds`` services: the batch lines spend the cycle's
reserved commitment when exported; the bank's results are imported by funds; failed lines are
followed up in a new batch (with the file's corrected card). Each household reached is counted for
the cockpit (人次 and yuan by campaign kind) when the money is confirmed or the goods signed for."""

from __future__ import annotations

from collections import defaultdict
from typing import IO

from django.db import transaction
from django.utils.timezone import now
from django.utils.translation import gettext as _

from yugong.accounts.models import User
from yugong.core.audit import audit_record
from yugong.core.errors import Conflict, NotFound, ValidationFailed
from yugong.core.facts import fact_record
from yugong.core.validators import clean_text
from yugong.funds import services as funds
from yugong.funds.models import Commitment, PayoutBatch, PayoutLine, Reconciliation
from yugong.orgs.access import require_role

from ..models import Beneficiary, CampaignCycle
from .campaigns import _require_cycle, lock_cycle
from .common import REVIEW_ROLES

CycleStatus = CampaignCycle.Status
B = Beneficiary.Status


def _card(row: Beneficiary) -> str:
    """The bank card now on the household's file (none once the file is gone)."""
    return row.file.bank_card if row.file is not None else ""


def _count(cycle: CampaignCycle, rows: list[tuple[int, int]]) -> None:
    """Facts for the households reached: (union_id, amount_fen) per household, one upsert per union."""
    people: dict[int, int] = defaultdict(int)
    fen: dict[int, int] = defaultdict(int)
    for union_id, amount in rows:
        people[union_id] += 1
        fen[union_id] += amount
    kind = cycle.campaign.kind
    for union_id in sorted(people):
        fact_record(metric="assistance.aid_people", union_id=union_id, value=people[union_id], dim=kind)
        if fen[union_id]:
            fact_record(metric="assistance.aid_fen", union_id=union_id, value=fen[union_id], dim=kind)


@transaction.atomic
def cycle_pay(*, actor: User, cycle: CampaignCycle | int, bank_format: str = "csv_gbk") -> PayoutBatch:
    """Put every household of a frozen cash cycle into one funds bank batch and send it: the lines
    spend the cycle's reservation. Finance (the funds roles) only. A household with no bank card
    stops the payment, named by its row."""
    c = lock_cycle(cycle)
    if c.mode != CampaignCycle.Mode.CASH:
        raise Conflict(_("物资发放的批次无需银行代发。"), code="not_cash")
    _require_cycle(c, CycleStatus.FROZEN)
    batch = funds.batch_create(
        actor=actor,
        union=c.campaign.union,
        kind=PayoutBatch.Kind.AID,
        title=f"{c.campaign.title} {c.name}"[:100],
        bank_format=bank_format,
    )
    rows = list(c.beneficiaries.filter(status=B.LISTED).select_related("file", "household").order_by("pk"))
    missing = {
        f"row {n}": _("%(name)s未登记银行卡。") % {"name": r.household.name}
        for n, r in enumerate(rows, 1)
        if not _card(r)
    }
    if missing:
        raise ValidationFailed(fields=dict(list(missing.items())[:20]))
    commitment = Commitment.objects.get(pk=c.commitment_id) if c.commitment_id else None
    if commitment is None:
        raise Conflict(_("批次没有经费占用，不能发放。"), code="no_budget")
    purpose = c.campaign.get_kind_display()
    for r in rows:
        line = funds.batch_line_add(
            actor=actor,
            batch=batch,
            payee_name=r.household.name,
            account_no=_card(r),
            amount_fen=r.amount_fen,
            purpose=purpose,
            commitment=commitment,
        )
        r.payout_line = line
        r.status = B.SENT
    Beneficiary.objects.bulk_update(rows, ["payout_line", "status"], batch_size=2000)
    batch = funds.batch_export(actor=actor, batch=batch)
    c.status = CycleStatus.PAYING
    c.save(update_fields=["status"])
    audit_record(
        actor=actor,
        action="assistance.cycle_pay",
        obj=c,
        union_id=c.campaign.union_id,
        extra={"batch": batch.pk, "lines": len(rows), "total_fen": sum(r.amount_fen for r in rows)},
    )
    return batch


def _batch_of(c: CampaignCycle, batch: PayoutBatch | int) -> PayoutBatch:
    pk = batch if isinstance(batch, int) else batch.pk
    if not Beneficiary.objects.filter(cycle=c, payout_line__batch_id=pk).exists():
        raise NotFound()
    return PayoutBatch.objects.get(pk=pk)


@transaction.atomic
def cycle_results_import(
    *, actor: User, cycle: CampaignCycle | int, batch: PayoutBatch | int, data: IO[bytes]
) -> Reconciliation:
    """The bank's result file for one of the cycle's batches: funds settles the lines; each
    household follows its line (paid → counted for the cockpit; failed → to follow up)."""
    c = lock_cycle(cycle)
    _require_cycle(c, CycleStatus.PAYING)
    b = _batch_of(c, batch)
    run = funds.batch_results_import(actor=actor, batch=b, data=data)
    rows = list(
        Beneficiary.objects.filter(cycle=c, status=B.SENT, payout_line__batch=b).select_related("payout_line")
    )
    paid: list[tuple[int, int]] = []
    changed = []
    for r in rows:
        line = r.payout_line
        assert line is not None
        if line.status == PayoutLine.Status.PAID:
            r.status = B.PAID
            paid.append((r.union_id, r.amount_fen))
        elif line.status == PayoutLine.Status.FAILED:
            r.status = B.FAILED
        else:
            continue
        changed.append(r)
    Beneficiary.objects.bulk_update(changed, ["status"], batch_size=2000)
    _count(c, paid)
    audit_record(
        actor=actor,
        action="assistance.cycle_results",
        obj=c,
        union_id=c.campaign.union_id,
        extra={"batch": b.pk, "paid": len(paid), "failed": len(changed) - len(paid), "run": run.pk},
    )
    return run


@transaction.atomic
def cycle_retry_failed(*, actor: User, cycle: CampaignCycle | int, batch: PayoutBatch | int) -> PayoutBatch:
    """Follow up the failed lines of one batch in a new funds batch, each with the card now on the
    household's file (corrected after the failure), and send it."""
    c = lock_cycle(cycle)
    _require_cycle(c, CycleStatus.PAYING)
    b = _batch_of(c, batch)
    follow = funds.batch_follow_up(actor=actor, batch=b)
    by_old = {
        r.payout_line_id: r
        for r in Beneficiary.objects.filter(cycle=c, status=B.FAILED, payout_line__batch=b).select_related(
            "file"
        )
    }
    changed = []
    for line in PayoutLine.objects.filter(batch=follow).order_by("pk"):
        r = by_old.get(line.retry_of_id)
        if r is None:
            continue
        card = _card(r)
        if card and card != line.account_no:
            funds.payout_line_correct(actor=actor, line=line, account_no=card)
        r.payout_line = line
        r.status = B.SENT
        changed.append(r)
    Beneficiary.objects.bulk_update(changed, ["payout_line", "status"], batch_size=2000)
    follow = funds.batch_export(actor=actor, batch=follow)
    audit_record(
        actor=actor,
        action="assistance.cycle_retry",
        obj=c,
        union_id=c.campaign.union_id,
        extra={"batch": follow.pk, "of": b.pk, "lines": len(changed)},
    )
    return follow


@transaction.atomic
def beneficiary_deliver(
    *, actor: User, beneficiary: Beneficiary | int, signed_by: str, receipt_image: str = ""
) -> Beneficiary:
    """Goods handed over (慰问品): the household signs the receipt (name, and the signed image stored
    through ``core.images`` by the caller before this transaction). The goods' value is spent from
    the cycle's reservation; the household is counted (人次)."""
    pk = beneficiary if isinstance(beneficiary, int) else beneficiary.pk
    found = Beneficiary.objects.filter(pk=pk).only("cycle_id").first()
    if found is None:
        raise NotFound()
    c = lock_cycle(found.cycle_id)
    row = Beneficiary.objects.select_for_update(of=("self",)).select_related("union").get(pk=pk)
    require_role(actor, row.union, REVIEW_ROLES)
    if c.mode != CampaignCycle.Mode.GOODS:
        raise Conflict(_("现金发放的批次通过银行代发。"), code="not_goods")
    _require_cycle(c, CycleStatus.FROZEN, CycleStatus.PAYING)
    if row.status != B.LISTED:
        raise Conflict(_("该户已签收或不在名单中。"), code="not_listed")
    name = clean_text(signed_by)
    if not name or len(name) > 64:
        raise ValidationFailed(fields={"signed_by": _("请填写签收人姓名（64字以内）。")})
    if row.amount_fen and c.commitment_id:
        funds.commitment_spend_for(
            actor=actor, commitment=c.commitment_id, amount_fen=row.amount_fen, memo=c.goods[:200]
        )
    row.status = B.DELIVERED
    row.delivered_at = now()
    row.receipt_signed_by = name
    row.receipt_image = receipt_image[:200]
    row.save(update_fields=["status", "delivered_at", "receipt_signed_by", "receipt_image"])
    if c.status == CycleStatus.FROZEN:
        c.status = CycleStatus.PAYING
        c.save(update_fields=["status"])
    _count(c, [(row.union_id, row.amount_fen)])
    audit_record(
        actor=actor,
        action="assistance.beneficiary_deliver",
        obj=row,
        union_id=row.union_id,
        extra={"signed_by": name, "amount_fen": row.amount_fen},
    )
    return row


@transaction.atomic
def cycle_close(*, actor: User, cycle: CampaignCycle | int) -> CampaignCycle:
    """Close a cycle once nothing is on its way or waiting for a follow-up; what is left of the
    reservation goes back to the budget line."""
    c = lock_cycle(cycle)
    require_role(actor, c.campaign.union, REVIEW_ROLES)
    _require_cycle(c, CycleStatus.FROZEN, CycleStatus.PAYING)
    if c.beneficiaries.filter(status__in=(B.SENT, B.FAILED)).exists():
        raise Conflict(_("尚有未到账或发放失败的对象，请先导入回执并补发。"), code="not_settled")
    if c.mode == CampaignCycle.Mode.CASH and c.beneficiaries.filter(status=B.LISTED).exists():
        raise Conflict(_("名单尚未发放，不能结束。"), code="not_paid")
    if c.commitment_id is not None:
        commitment = Commitment.objects.get(pk=c.commitment_id)
        if commitment.status == Commitment.Status.RESERVED and commitment.reserved_fen > 0:
            funds.commitment_release_for(actor=actor, commitment=commitment, memo=_("帮扶批次结束"))
    before = c.status
    c.status = CycleStatus.CLOSED
    c.save(update_fields=["status"])
    audit_record(
        actor=actor,
        action="assistance.cycle_close",
        obj=c,
        union_id=c.campaign.union_id,
        changes={"status": [before, CycleStatus.CLOSED]},
    )
    return c
