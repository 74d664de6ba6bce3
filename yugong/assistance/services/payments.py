"""Paying a frozen cycle: cash through a funds bank batch (代发), goods handed over against a signed
receipt. Money only moves through ``yugong.funds`` services: the batch lines spend the cycle's
reserved commitment when exported; the bank's results are imported by funds; failed lines are
followed up in a new batch (with the file's corrected card). Each household reached is counted for
the cockpit (人次 and yuan by campaign kind) when the money is confirmed or the goods signed for."""

from __future__ import annotations

from collections import defaultdict
from typing import IO

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.db.models.functions import Length
from django.utils.timezone import now
from django.utils.translation import gettext as _

from yugong.accounts.models import User
from yugong.core.audit import audit_record
from yugong.core.errors import Conflict, NotFound, ValidationFailed
from yugong.core.facts import fact_record
from yugong.core.validators import clean_text
from yugong.funds import services as funds
from yugong.funds.models import Commitment, PayoutBatch, PayoutLine, Reconciliation
from yugong.funds.services import bank_sql as funds_bank_sql
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


def payable(cycle: CampaignCycle) -> QuerySet[Beneficiary]:
    """THE rows a cash payment pays: the households still listed, in list order. Both paths below
    take their rows from here."""
    return cycle.beneficiaries.filter(status=B.LISTED).order_by("pk")


def _no_card(rows: list[tuple[int, str]]) -> ValidationFailed:
    """The refusal for households without a bank card: (row number in the list, name), at most 20."""
    return ValidationFailed(
        fields={f"row {n}": _("%(name)s未登记银行卡。") % {"name": name} for n, name in rows[:20]}
    )


def _pay_path() -> str:
    """``set`` (PostgreSQL: ``INSERT … SELECT``) or ``rows`` (one funds line per household; always on
    SQLite; ``ASSISTANCE_PAY_PATH = "rows"`` forces it)."""
    if not funds_bank_sql.set_path_enabled():
        return "rows"
    return "rows" if getattr(settings, "ASSISTANCE_PAY_PATH", "set") == "rows" else "set"


# CONTROL for the race test only: read the cycle without its row lock.
_UNLOCKED_PAY = False


def _read_unlocked(cycle: CampaignCycle | int) -> CampaignCycle:
    pk = cycle if isinstance(cycle, int) else cycle.pk
    return CampaignCycle.objects.select_related("campaign", "campaign__union").get(pk=pk)


@transaction.atomic
def cycle_pay(*, actor: User, cycle: CampaignCycle | int, bank_format: str = "csv_gbk") -> PayoutBatch:
    """Put every household of a frozen cash cycle into one funds bank batch and send it: the lines
    spend the cycle's reservation. Finance (the funds roles) only. A household with no bank card
    stops the payment, named by its row. The cycle row is locked first: a second officer paying the
    same cycle waits, then finds it paying (409 ``cycle_status``)."""
    c = _read_unlocked(cycle) if _UNLOCKED_PAY else lock_cycle(cycle)
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
    if _pay_path() == "set":
        lines, total = _pay_set_based(actor, c, batch)
    else:
        lines, total = _pay_rows(actor, c, batch)
    batch.refresh_from_db()
    c.status = CycleStatus.PAYING
    c.save(update_fields=["status"])
    audit_record(
        actor=actor,
        action="assistance.cycle_pay",
        obj=c,
        union_id=c.campaign.union_id,
        extra={"batch": batch.pk, "lines": lines, "total_fen": total},
    )
    return batch


def _commitment_of(c: CampaignCycle) -> Commitment:
    commitment = Commitment.objects.filter(pk=c.commitment_id).first() if c.commitment_id else None
    if commitment is None:
        raise Conflict(_("批次没有经费占用，不能发放。"), code="no_budget")
    return commitment


def _pay_rows(actor: User, c: CampaignCycle, batch: PayoutBatch) -> tuple[int, int]:
    """One funds line per household (``batch_line_add``), then the export spends each."""
    rows = list(payable(c).select_related("file", "household"))
    missing = [(n, r.household.name) for n, r in enumerate(rows, 1) if not _card(r)]
    if missing:
        raise _no_card(missing)
    commitment = _commitment_of(c)
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
    funds.batch_export(actor=actor, batch=batch)
    return len(rows), sum(r.amount_fen for r in rows)


def _pay_set_based(actor: User, c: CampaignCycle, batch: PayoutBatch) -> tuple[int, int]:
    """The same rows written by funds' set-based batch from :func:`payable` (``INSERT … SELECT``,
    nothing per household in Python but the account check), then the list follows its lines in one
    UPDATE."""
    missing_q = Q(file__isnull=True) | Q(card_len=0)
    bad = list(
        payable(c)
        .annotate(card_len=Length("file__bank_card"))
        .filter(missing_q)
        .values_list("pk", "household__name")[:20]
    )
    if bad:  # the refusal path only: each one's row number in the list
        raise _no_card([(payable(c).filter(pk__lt=pk).count() + 1, name) for pk, name in bad])
    commitment = _commitment_of(c)
    sql, params = (
        payable(c)
        .values_list("pk", "household__name", "file__bank_card", "amount_fen")
        .query.sql_with_params()
    )
    batch = funds_bank_sql.batch_pay_from_select(
        actor=actor,
        batch=batch,
        commitment=commitment,
        purpose=c.campaign.get_kind_display(),
        source_sql=sql,
        source_params=params,
    )
    table = connection.ops.quote_name(Beneficiary._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET payout_line_id = s.line_id, status = %s "  # noqa: S608
            f"FROM {connection.ops.quote_name(funds_bank_sql.SOURCE_TABLE)} s WHERE {table}.id = s.ref_id",
            [B.SENT],
        )
    return batch.line_count, batch.total_fen


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
