"""Bank batches (代发): build a batch, export it (the file goes to the bank), import the bank's
results, follow up the failed lines in a new batch. Every step is a ledger movement:

* export: each line's ``debit_account`` (what it pays off) against ``bank_clearing`` — or, for a
  line paid from a budget commitment, the commitment is spent against ``bank_clearing``;
* a line confirmed paid: ``bank_clearing`` against the batch's ``cash_account``;
* a line returned failed: ``bank_clearing`` against ``payout_suspense:<union>`` (still owed);
  its follow-up line pays off the suspense account.

A result for a line that is already settled is ignored (a result file imported twice changes
nothing); a result naming an unknown line or a different amount is listed as a difference for a
person to resolve (:func:`yugong.funds.services.reconcile.difference_resolve`)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import IO, Any

from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from yugong.accounts.models import User
from yugong.core.audit import audit_record
from yugong.core.errors import Conflict, ValidationFailed
from yugong.core.facts import fact_record
from yugong.core.timeutil import now
from yugong.core.validators import is_ascii_digits
from yugong.orgs.models import Union

from .. import bankfiles, ledger
from ..models import Commitment, Difference, PayoutBatch, PayoutLine, Reconciliation
from .commitments import commitment_refund, commitment_spend
from .common import FINANCE_ROLES, clean_amount, clean_words, lock, require


@transaction.atomic
def batch_create(
    *, actor: User, union: Union, kind: str, title: str, bank_format: str, cash_account: str = ""
) -> PayoutBatch:
    require(actor, union, FINANCE_ROLES)
    if kind not in PayoutBatch.Kind.values:
        raise ValidationFailed(fields={"kind": _("请选择代发类型。")})
    fmt = bankfiles.get_format(bank_format)
    batch = PayoutBatch.objects.create(
        union=union,
        kind=kind,
        title=clean_words(title, field="title", max_length=100),
        bank_format=fmt.name,
        cash_account=cash_account or ledger.funds_cash(union.pk),
        created_by=actor,
    )
    audit_record(actor=actor, action="funds.batch_create", obj=batch, union_id=union.pk)
    return batch


@transaction.atomic
def batch_line_add(
    *,
    actor: User,
    batch: PayoutBatch | int,
    payee_name: str,
    account_no: str,
    amount_fen: Any,
    bank_name: str = "",
    purpose: str = "",
    debit_account: str = "",
    commitment: Commitment | None = None,
) -> PayoutLine:
    locked = lock(PayoutBatch, batch)
    union = Union.objects.get(pk=locked.union_id)
    require(actor, union, FINANCE_ROLES)
    if locked.status != PayoutBatch.Status.DRAFT:
        raise Conflict(_("批次已发送银行，不能再添加明细。"), code="not_draft")
    amount = clean_amount(amount_fen)
    account = clean_account_no(account_no)
    if commitment is not None:
        # Locked: two lines added at once for one request must not both fit its reservation.
        commitment = lock(Commitment, commitment)
        if commitment.union_id != locked.union_id or commitment.status != Commitment.Status.RESERVED:
            raise ValidationFailed(fields={"commitment": _("支出申请须为本工会已批准占用的申请。")})
        if amount > commitment.reserved_fen - queued_fen(commitment.pk):
            raise ValidationFailed(fields={"amount_fen": _("支付金额超过占用余额。")})
    elif not debit_account:
        raise ValidationFailed(fields={"debit_account": _("请指定付款对应的科目。")})
    line = PayoutLine.objects.create(
        batch=locked,
        payee_name=clean_words(payee_name, field="payee_name", max_length=100),
        account_no=account,
        bank_name=clean_words(bank_name, field="bank_name", max_length=100, required=False),
        amount_fen=amount,
        purpose=clean_words(purpose, field="purpose", max_length=100, required=False),
        debit_account=debit_account[:48] if commitment is None else "",
        commitment=commitment,
    )
    locked.total_fen += amount
    locked.line_count += 1
    locked.save(update_fields=["total_fen", "line_count"])
    audit_record(
        actor=actor,
        action="funds.batch_line_add",
        obj=line,
        union_id=locked.union_id,
        extra={"amount_fen": amount},
    )
    return line


def clean_account_no(value: Any) -> str:
    """A payee's account number as the bank file carries it: white space removed, 8 to 32 ASCII
    digits. The one rule for every line, whichever path writes it (``bank_sql`` too)."""
    account = "".join(str(value).split())
    if not is_ascii_digits(account) or not 8 <= len(account) <= 32:
        raise ValidationFailed(fields={"account_no": _("收款账号应为8至32位数字。")})
    return account


def line_memo(batch: PayoutBatch, line: PayoutLine) -> str:
    """The memo of the spending a line of a batch makes when the batch is exported."""
    return f"{batch.title} {line.number}"


def queued_fen(commitment_id: int) -> int:
    """What lines of draft batches already mean to pay from a reservation (spent only at export)."""
    return int(
        PayoutLine.objects.filter(
            commitment_id=commitment_id,
            status=PayoutLine.Status.PENDING,
            batch__status=PayoutBatch.Status.DRAFT,
        ).aggregate(s=Sum("amount_fen"))["s"]
        or 0
    )


@transaction.atomic
def batch_export(*, actor: User, batch: PayoutBatch | int) -> PayoutBatch:
    """The batch goes to the bank: its lines are sent, the money moves to ``bank_clearing``.
    The file itself is produced from the exported batch (:func:`batch_file_rows`), any number of
    times, and always the same."""
    locked = lock(PayoutBatch, batch)
    union = Union.objects.get(pk=locked.union_id)
    require(actor, union, FINANCE_ROLES)
    if locked.status != PayoutBatch.Status.DRAFT:
        raise Conflict(_("批次已发送银行。"), code="not_draft")
    if locked.line_count == 0:
        raise ValidationFailed(fields={"lines": _("批次没有明细。")})
    plain: list[tuple[str, int]] = []
    for line in PayoutLine.objects.filter(batch=locked).order_by("pk").iterator(chunk_size=2000):
        if line.commitment_id is not None:
            commitment_spend(
                actor=actor,
                commitment=line.commitment_id,
                amount_fen=line.amount_fen,
                memo=line_memo(locked, line),
                pay_from=ledger.BANK_CLEARING,
            )
        else:
            plain.append((line.debit_account, line.amount_fen))
    if plain:
        total = sum(a for _acc, a in plain)
        ledger.post(
            kind="payout_export",
            lines=[*plain, (ledger.BANK_CLEARING, -total)],
            memo=locked.title,
            union_id=locked.union_id,
            ref=locked,
        )
    PayoutLine.objects.filter(batch=locked).update(status=PayoutLine.Status.SENT)
    locked.status = PayoutBatch.Status.EXPORTED
    locked.exported_at = now()
    locked.save(update_fields=["status", "exported_at"])
    audit_record(
        actor=actor,
        action="funds.batch_export",
        obj=locked,
        union_id=locked.union_id,
        extra={"lines": locked.line_count, "total_fen": locked.total_fen},
    )
    return locked


def batch_lines_for_file(batch: PayoutBatch) -> Iterable[PayoutLine]:
    return PayoutLine.objects.filter(batch=batch).order_by("pk").iterator(chunk_size=2000)


@transaction.atomic
def batch_results_import(*, actor: User, batch: PayoutBatch | int, data: IO[bytes]) -> Reconciliation:
    """Read the bank's result file: settle each sent line once, list what does not match."""
    locked = lock(PayoutBatch, batch)
    union = Union.objects.get(pk=locked.union_id)
    require(actor, union, FINANCE_ROLES)
    if locked.status == PayoutBatch.Status.DRAFT:
        raise Conflict(_("批次尚未发送银行。"), code="not_exported")
    fmt = bankfiles.get_format(locked.bank_format)
    run = Reconciliation.objects.create(
        kind=Reconciliation.Kind.BANK, source=locked.title[:100], union=union, batch=locked, created_by=actor
    )
    lines = {line.number: line for line in PayoutLine.objects.filter(batch=locked)}
    differences: list[Difference] = []
    paid_fen = failed_fen = 0
    settled: list[PayoutLine] = []
    for result in bankfiles.read_results(fmt, data):
        run.statement_lines += 1
        run.statement_fen += result.amount_fen or 0
        line = lines.get(result.number)
        if line is None:
            differences.append(
                Difference(
                    run=run,
                    kind=Difference.Kind.UNKNOWN_LINE,
                    external_ref=result.number[:64],
                    statement_fen=result.amount_fen,
                )
            )
            continue
        if result.amount_fen is not None and result.amount_fen != line.amount_fen:
            differences.append(
                Difference(
                    run=run,
                    kind=Difference.Kind.AMOUNT,
                    external_ref=line.number,
                    statement_fen=result.amount_fen,
                    ledger_fen=line.amount_fen,
                )
            )
            continue
        if line.status != PayoutLine.Status.SENT:
            continue  # already settled: a result imported again changes nothing
        line.status = PayoutLine.Status.PAID if result.success else PayoutLine.Status.FAILED
        line.result_message = result.message
        settled.append(line)
        if result.success:
            paid_fen += line.amount_fen
        else:
            failed_fen += line.amount_fen
    PayoutLine.objects.bulk_update(settled, ["status", "result_message"], batch_size=2000)
    if paid_fen:
        ledger.post(
            kind="payout_paid",
            lines=[(ledger.BANK_CLEARING, paid_fen), (locked.cash_account, -paid_fen)],
            memo=locked.title,
            union_id=locked.union_id,
            ref=locked,
        )
    if failed_fen:
        ledger.post(
            kind="payout_failed",
            lines=[
                (ledger.BANK_CLEARING, failed_fen),
                (ledger.payout_suspense(locked.union_id), -failed_fen),
            ],
            memo=locked.title,
            union_id=locked.union_id,
            ref=locked,
        )
    run.ledger_fen = paid_fen + failed_fen
    run.differences = len(differences)
    run.save()
    Difference.objects.bulk_create(differences)
    if not PayoutLine.objects.filter(batch=locked, status=PayoutLine.Status.SENT).exists():
        locked.status = PayoutBatch.Status.CLOSED
        locked.save(update_fields=["status"])
    audit_record(
        actor=actor,
        action="funds.batch_results_import",
        obj=locked,
        union_id=locked.union_id,
        extra={
            "paid_fen": paid_fen,
            "failed_fen": failed_fen,
            "differences": len(differences),
            "run": run.pk,
        },
    )
    if paid_fen:
        fact_record(metric="funds.payout_fen", union_id=locked.union_id, value=paid_fen, dim=locked.kind)
    return run


@transaction.atomic
def batch_follow_up(*, actor: User, batch: PayoutBatch | int, title: str = "") -> PayoutBatch:
    """A new draft batch with every failed line not yet followed up; each new line pays off the
    suspense account the failure moved the money to. Correct account numbers with
    :func:`payout_line_correct` before exporting."""
    locked = lock(PayoutBatch, batch)
    union = Union.objects.get(pk=locked.union_id)
    require(actor, union, FINANCE_ROLES)
    failed = list(
        PayoutLine.objects.filter(
            batch=locked, status=PayoutLine.Status.FAILED, retried_by__isnull=True
        ).order_by("pk")
    )
    if not failed:
        raise Conflict(_("没有需要补发的失败明细。"), code="nothing_failed")
    follow = PayoutBatch.objects.create(
        union=union,
        kind=locked.kind,
        title=clean_words(title, field="title", max_length=100, required=False)
        or (_("%(title)s（补发）") % {"title": locked.title})[:100],
        bank_format=locked.bank_format,
        cash_account=locked.cash_account,
        follow_up_of=locked,
        created_by=actor,
        total_fen=sum(line.amount_fen for line in failed),
        line_count=len(failed),
    )
    PayoutLine.objects.bulk_create(
        PayoutLine(
            batch=follow,
            payee_name=line.payee_name,
            account_no=line.account_no,
            bank_name=line.bank_name,
            amount_fen=line.amount_fen,
            purpose=line.purpose,
            debit_account=ledger.payout_suspense(locked.union_id),
            retry_of=line,
        )
        for line in failed
    )
    audit_record(
        actor=actor, action="funds.batch_follow_up", obj=follow, union_id=union.pk, extra={"of": locked.pk}
    )
    return follow


def _origin(line: PayoutLine) -> PayoutLine:
    """The first line of a chain of follow-ups: what the payment was for in the first place."""
    seen = 0
    while line.retry_of_id is not None and seen < 100:
        line = PayoutLine.objects.get(pk=line.retry_of_id)
        seen += 1
    return line


@transaction.atomic
def payout_line_cancel(*, actor: User, line: PayoutLine | int, reason: str) -> PayoutLine:
    """Give up on a failed line instead of paying it again: the amount held in
    ``payout_suspense:<union>`` goes back where the first line took it from — a budget commitment
    gets the money back on its line (refunded), any other line's debit account is restored."""
    text = clean_words(reason, field="reason", max_length=500)
    locked = lock(PayoutLine, line)
    batch = PayoutBatch.objects.select_related("union").get(pk=locked.batch_id)
    require(actor, batch.union, FINANCE_ROLES)
    if locked.status != PayoutLine.Status.FAILED:
        raise Conflict(_("只有失败的明细可以取消。"), code="not_failed")
    if PayoutLine.objects.filter(retry_of=locked).exists():
        raise Conflict(_("该明细已在补发批次中，不能取消。"), code="followed_up")
    suspense = ledger.payout_suspense(batch.union_id)
    origin = _origin(locked)
    memo = f"{batch.title} {locked.number}"
    if origin.commitment_id is not None:
        commitment_refund(
            actor=actor,
            commitment=origin.commitment_id,
            amount_fen=locked.amount_fen,
            memo=memo[:200],
            pay_to=suspense,
        )
    else:
        ledger.post(
            kind="payout_cancel",
            lines=[(suspense, locked.amount_fen), (origin.debit_account, -locked.amount_fen)],
            memo=memo[:200],
            union_id=batch.union_id,
            ref=locked,
        )
    locked.status = PayoutLine.Status.CANCELLED
    locked.cancel_reason = text
    locked.save(update_fields=["status", "cancel_reason"])
    audit_record(
        actor=actor,
        action="funds.payout_line_cancel",
        obj=locked,
        union_id=batch.union_id,
        changes={"status": ["failed", "cancelled"]},
        extra={"reason": text, "amount_fen": locked.amount_fen},
    )
    return locked


@transaction.atomic
def payout_line_correct(
    *, actor: User, line: PayoutLine | int, account_no: str, bank_name: str = ""
) -> PayoutLine:
    locked = lock(PayoutLine, line)
    batch = PayoutBatch.objects.select_related("union").get(pk=locked.batch_id)
    require(actor, batch.union, FINANCE_ROLES)
    if batch.status != PayoutBatch.Status.DRAFT:
        raise Conflict(_("批次已发送银行，不能修改。"), code="not_draft")
    locked.account_no = clean_account_no(account_no)
    if bank_name:
        locked.bank_name = clean_words(bank_name, field="bank_name", max_length=100)
    locked.save(update_fields=["account_no", "bank_name"])
    audit_record(actor=actor, action="funds.payout_line_correct", obj=locked, union_id=batch.union_id)
    return locked


__all__ = [
    "batch_create",
    "batch_export",
    "batch_follow_up",
    "batch_line_add",
    "batch_lines_for_file",
    "batch_results_import",
    "clean_account_no",
    "line_memo",
    "payout_line_cancel",
    "payout_line_correct",
    "queued_fen",
]
