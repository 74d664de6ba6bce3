"""Spending: a commitment against one budget line — request → approve (reserve) → spend → release.

Concurrency: the reservation is ONE conditional UPDATE on the line,
``reserved = reserved + n WHERE open AND amount >= reserved + spent + n``, with its row count
checked, inside the approval's transaction (the commitment row is locked first, so one request is
never approved twice). PostgreSQL re-checks the condition on the newest row version after waiting
for a concurrent writer's lock, so concurrent approvals can never overdraw a line; the CHECK
constraint ``amount >= reserved + spent`` is the last judge. Spending moves ``reserved`` to
``spent`` the same way. ``tests/test_concurrency.py`` races real threads through this path and
through a read-then-write control (``_unsafe_naive=True``, tests only) that overdraws.

Rules: spending above ``FUNDS_SECOND_APPROVAL_FEN`` needs two approvers; nobody approves their own
request, and the second approver is not the first.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Model
from django.utils.translation import gettext as _

from yugong.accounts.models import User
from yugong.core.audit import audit_record
from yugong.core.errors import Conflict, PermissionDenied, ValidationFailed
from yugong.core.facts import fact_record
from yugong.core.timeutil import now

from .. import ledger
from ..models import BudgetLine, Commitment
from .commitment_rules import (
    APPROVE_ACTION,
    FIRST_APPROVE_ACTION,
    Overdrawn,
    needs_first_approval,
    refuse_approval,
)
from .commitment_rules import overdrawn as _overdrawn
from .common import (
    APPROVE_ROLES,
    FINANCE_ROLES,
    PREPARE_ROLES,
    clean_amount,
    clean_words,
    lock,
    require,
    same_user,
)

__all__ = ["Overdrawn"]  # re-exported: defined with the rules shared with the one statement


def _line(commitment: Commitment) -> BudgetLine:
    return BudgetLine.objects.select_related("union").get(pk=commitment.line_id)


@transaction.atomic
def commitment_request(
    *,
    actor: User,
    line: BudgetLine | int,
    amount_fen: Any,
    purpose: str,
    ref: Model | None = None,
) -> Commitment:
    """Ask to spend ``amount_fen`` from a line. ``ref`` names the scenario object (one commitment
    per object: a repeat returns the first)."""
    amount = clean_amount(amount_fen)
    text = clean_words(purpose, field="purpose", max_length=200)
    line_id = line if isinstance(line, int) else line.pk
    found = BudgetLine.objects.select_related("union").filter(pk=line_id).first()
    if found is None:
        raise ValidationFailed(fields={"line": _("预算项目不存在。")})
    require(actor, found.union, PREPARE_ROLES)
    if not found.open:
        raise Conflict(_("预算尚未批准，不能申请支出。"), code="not_approved")
    if amount > found.available_fen:
        raise _overdrawn()
    ref_type = ref._meta.label_lower if ref is not None else ""
    try:
        with transaction.atomic():
            commitment = Commitment.objects.create(
                line=found,
                union_id=found.union_id,
                amount_fen=amount,
                purpose=text,
                ref_type=ref_type,
                ref_id=ref.pk if ref is not None else None,
                requested_by=actor,
            )
    except IntegrityError:
        return Commitment.objects.exclude(status=Commitment.Status.REJECTED).get(
            ref_type=ref_type, ref_id=ref.pk if ref is not None else None
        )
    audit_record(
        actor=actor,
        action="funds.commitment_request",
        obj=commitment,
        union_id=found.union_id,
        extra={"amount_fen": amount, "line": found.pk},
    )
    return commitment


def reserve(line_id: int, amount: int) -> bool:
    """Take ``amount`` from a line's available money, or nothing: one conditional UPDATE."""
    return (
        BudgetLine.objects.filter(
            pk=line_id, open=True, amount_fen__gte=F("reserved_fen") + F("spent_fen") + amount
        ).update(reserved_fen=F("reserved_fen") + amount)
        == 1
    )


def _reserve_naive(line_id: int, amount: int) -> bool:
    """CONTROL for the race tests only: read, decide in Python, write back what was read."""
    line = BudgetLine.objects.get(pk=line_id)
    if line.available_fen < amount:
        return False
    BudgetLine.objects.filter(pk=line_id).update(reserved_fen=line.reserved_fen + amount)
    return True


@transaction.atomic
def commitment_approve(
    *, actor: User, commitment: Commitment | int, _unsafe_naive: bool = False
) -> Commitment:
    """Approve a request. Up to the threshold one approval reserves the money; above it the first
    approval is recorded and a second, different approver reserves it."""
    if _unsafe_naive:  # CONTROL for the race tests only: the request read without its row lock
        locked = Commitment.objects.get(pk=commitment if isinstance(commitment, int) else commitment.pk)
    else:
        locked = lock(Commitment, commitment)
    line = _line(locked)
    refuse_approval(
        actor=actor,
        union=line.union,
        status=locked.status,
        requested_by_id=locked.requested_by_id,
        first_approver_id=locked.first_approver_id,
    )
    if needs_first_approval(amount_fen=locked.amount_fen, status=locked.status):
        locked.status = Commitment.Status.FIRST_APPROVED
        locked.first_approver = actor
        locked.first_approved_at = now()
        locked.save(update_fields=["status", "first_approver", "first_approved_at"])
        audit_record(
            actor=actor,
            action=FIRST_APPROVE_ACTION,
            obj=locked,
            union_id=locked.union_id,
            changes={"status": ["pending", "first_approved"]},
        )
        return locked
    taken = (_reserve_naive if _unsafe_naive else reserve)(locked.line_id, locked.amount_fen)
    if not taken:
        raise _overdrawn()
    before = locked.status
    locked.status = Commitment.Status.RESERVED
    locked.reserved_fen = locked.amount_fen
    locked.approver = actor
    locked.approved_at = now()
    locked.save(update_fields=["status", "reserved_fen", "approver", "approved_at"])
    ledger.post(
        kind="budget_reserve",
        lines=[
            (ledger.budget_reserved(locked.line_id), locked.amount_fen),
            (ledger.budget_available(locked.line_id), -locked.amount_fen),
        ],
        memo=locked.purpose,
        union_id=locked.union_id,
        ref=locked,
    )
    audit_record(
        actor=actor,
        action=APPROVE_ACTION,
        obj=locked,
        union_id=locked.union_id,
        changes={"status": [before, "reserved"]},
        extra={"amount_fen": locked.amount_fen},
    )
    fact_record(
        metric="funds.reserved_fen", union_id=locked.union_id, value=locked.amount_fen, dim=line.category
    )
    return locked


@transaction.atomic
def commitment_reject(*, actor: User, commitment: Commitment | int, reason: str) -> Commitment:
    text = clean_words(reason, field="reason", max_length=500)
    locked = lock(Commitment, commitment)
    line = _line(locked)
    require(actor, line.union, APPROVE_ROLES)
    if locked.status not in (Commitment.Status.PENDING, Commitment.Status.FIRST_APPROVED):
        raise Conflict(_("该申请已处理。"), code="not_pending")
    if same_user(actor, locked.requested_by_id):
        raise PermissionDenied(_("不能审批自己提交的支出申请。"), code="self_approval")
    before = locked.status
    locked.status = Commitment.Status.REJECTED
    locked.reject_reason = text
    locked.save(update_fields=["status", "reject_reason"])
    audit_record(
        actor=actor,
        action="funds.commitment_reject",
        obj=locked,
        union_id=locked.union_id,
        changes={"status": [before, "rejected"]},
        extra={"reason": text},
    )
    return locked


def _close_if_done(c: Commitment) -> None:
    if c.reserved_fen == 0:
        c.status = Commitment.Status.CLOSED


@transaction.atomic
def commitment_spend(
    *, actor: User, commitment: Commitment | int, amount_fen: Any, memo: str = "", pay_from: str = ""
) -> Commitment:
    """Pay ``amount_fen`` out of the reservation: the line's reserved money becomes spent, the
    union's expense against ``pay_from`` (default its own cash, ``funds_cash:<union>``)."""
    locked = lock(Commitment, commitment)
    line = _line(locked)
    require(actor, line.union, FINANCE_ROLES)
    return _spend(actor, locked, line, amount_fen, memo, pay_from)


@transaction.atomic
def commitment_spend_for(
    *, actor: User, commitment: Commitment | int, amount_fen: Any, memo: str = "", pay_from: str = ""
) -> Commitment:
    """Spend for a scenario service that has itself checked the actor's right to decide the
    spending (a group order or a pass batch approved by the union's chair through tourism's own
    role check): the funds rules (reserved first, no more than reserved) still hold."""
    locked = lock(Commitment, commitment)
    return _spend(actor, locked, _line(locked), amount_fen, memo, pay_from)


SPEND_KIND = "budget_spend"
SPEND_ACTION = "funds.commitment_spend"


def spend_lines(commitment: Commitment, amount: int, pay_from: str = "") -> list[tuple[str, int]]:
    """The ledger lines of spending ``amount`` from a reservation, in the order they are written:
    reserved → spent on the line's memorandum accounts, the expense against ``pay_from`` (the
    union's cash by default). The set-based batch (``bank_sql``) takes its accounts from here."""
    return [
        (ledger.budget_spent(commitment.line_id), amount),
        (ledger.budget_reserved(commitment.line_id), -amount),
        (ledger.funds_expense(commitment.line_id), amount),
        (pay_from or ledger.funds_cash(commitment.union_id), -amount),
    ]


def _move_to_spent(locked: Commitment, amount: int) -> None:
    """Reserved money becomes spent, on the line (a conditional UPDATE) and on the locked request
    (closed when nothing is left reserved). The set-based batch spends its total through here."""
    moved = BudgetLine.objects.filter(pk=locked.line_id, reserved_fen__gte=amount).update(
        reserved_fen=F("reserved_fen") - amount, spent_fen=F("spent_fen") + amount
    )
    if moved != 1:  # the line's reserved money always covers its commitments'
        raise Conflict(_("预算项目占用数据异常，请联系财务。"), code="ledger_mismatch")
    locked.reserved_fen -= amount
    locked.spent_fen += amount
    _close_if_done(locked)
    locked.save(update_fields=["reserved_fen", "spent_fen", "status"])


def _spend(
    actor: User, locked: Commitment, line: BudgetLine, amount_fen: Any, memo: str, pay_from: str
) -> Commitment:
    amount = clean_amount(amount_fen)
    text = clean_words(memo, field="memo", max_length=200, required=False)
    if locked.status != Commitment.Status.RESERVED:
        raise Conflict(_("只有已批准占用的申请可以支付。"), code="not_reserved")
    if amount > locked.reserved_fen:
        raise ValidationFailed(fields={"amount_fen": _("支付金额超过占用余额。")})
    _move_to_spent(locked, amount)
    ledger.post(
        kind=SPEND_KIND,
        lines=spend_lines(locked, amount, pay_from),
        memo=text or locked.purpose,
        union_id=locked.union_id,
        ref=locked,
    )
    audit_record(
        actor=actor,
        action=SPEND_ACTION,
        obj=locked,
        union_id=locked.union_id,
        extra={"amount_fen": amount},
    )
    fact_record(metric="funds.spent_fen", union_id=locked.union_id, value=amount, dim=line.category)
    return locked


@transaction.atomic
def commitment_release(
    *, actor: User, commitment: Commitment | int, amount_fen: Any = None, memo: str = ""
) -> Commitment:
    """Give reserved money back to the line (all of what is left when ``amount_fen`` is None)."""
    locked = lock(Commitment, commitment)
    require(actor, _line(locked).union, FINANCE_ROLES)
    return _release(actor, locked, amount_fen, memo)


@transaction.atomic
def commitment_release_for(
    *, actor: User, commitment: Commitment | int, amount_fen: Any = None, memo: str = ""
) -> Commitment:
    """Release for a scenario service that checked the actor itself (a group order rejected)."""
    return _release(actor, lock(Commitment, commitment), amount_fen, memo)


def _release(actor: User, locked: Commitment, amount_fen: Any, memo: str) -> Commitment:
    if locked.status != Commitment.Status.RESERVED:
        raise Conflict(_("只有已批准占用的申请可以释放。"), code="not_reserved")
    amount = locked.reserved_fen if amount_fen is None else clean_amount(amount_fen)
    if amount > locked.reserved_fen or amount <= 0:
        raise ValidationFailed(fields={"amount_fen": _("释放金额超过占用余额。")})
    BudgetLine.objects.filter(pk=locked.line_id, reserved_fen__gte=amount).update(
        reserved_fen=F("reserved_fen") - amount
    )
    locked.reserved_fen -= amount
    locked.released_fen += amount
    _close_if_done(locked)
    locked.save(update_fields=["reserved_fen", "released_fen", "status"])
    ledger.post(
        kind="budget_release",
        lines=[
            (ledger.budget_available(locked.line_id), amount),
            (ledger.budget_reserved(locked.line_id), -amount),
        ],
        memo=clean_words(memo, field="memo", max_length=200, required=False) or locked.purpose,
        union_id=locked.union_id,
        ref=locked,
    )
    audit_record(
        actor=actor,
        action="funds.commitment_release",
        obj=locked,
        union_id=locked.union_id,
        extra={"amount_fen": amount},
    )
    return locked


@transaction.atomic
def commitment_refund(
    *, actor: User, commitment: Commitment | int, amount_fen: Any, memo: str = "", pay_to: str = ""
) -> Commitment:
    """Money spent came back (a refunded order): the line gets it back as available money."""
    locked = lock(Commitment, commitment)
    line = _line(locked)
    require(actor, line.union, FINANCE_ROLES)
    return _refund(actor, locked, line, amount_fen, memo, pay_to)


@transaction.atomic
def commitment_refund_for(
    *, actor: User, commitment: Commitment | int, amount_fen: Any, memo: str = "", pay_to: str = ""
) -> Commitment:
    """Money back for a scenario service that checked the actor itself (an order refunded)."""
    locked = lock(Commitment, commitment)
    return _refund(actor, locked, _line(locked), amount_fen, memo, pay_to)


def _refund(
    actor: User, locked: Commitment, line: BudgetLine, amount_fen: Any, memo: str, pay_to: str
) -> Commitment:
    amount = clean_amount(amount_fen)
    if amount > locked.spent_fen:
        raise ValidationFailed(fields={"amount_fen": _("退回金额超过已支出金额。")})
    BudgetLine.objects.filter(pk=locked.line_id, spent_fen__gte=amount).update(
        spent_fen=F("spent_fen") - amount
    )
    locked.spent_fen -= amount
    locked.released_fen += amount
    locked.save(update_fields=["spent_fen", "released_fen"])
    ledger.post(
        kind="budget_refund",
        lines=[
            (ledger.budget_available(locked.line_id), amount),
            (ledger.budget_spent(locked.line_id), -amount),
            (pay_to or ledger.funds_cash(locked.union_id), amount),
            (ledger.funds_expense(locked.line_id), -amount),
        ],
        memo=clean_words(memo, field="memo", max_length=200, required=False) or locked.purpose,
        union_id=locked.union_id,
        ref=locked,
    )
    audit_record(
        actor=actor,
        action="funds.commitment_refund",
        obj=locked,
        union_id=locked.union_id,
        extra={"amount_fen": amount},
    )
    fact_record(metric="funds.spent_fen", union_id=locked.union_id, value=-amount, dim=line.category)
    return locked


@transaction.atomic
def commitment_withdraw_for(*, actor: User, commitment: Commitment | int, reason: str) -> Commitment:
    """The scenario object was rejected or withdrawn (a group order refused): a request still
    waiting is closed as rejected, a reservation is released; anything else is left alone. For
    scenario services that checked the actor themselves."""
    locked = lock(Commitment, commitment)
    if locked.status == Commitment.Status.RESERVED:
        if locked.reserved_fen:
            return _release(actor, locked, None, reason[:200])
        return locked
    if locked.status in (Commitment.Status.PENDING, Commitment.Status.FIRST_APPROVED):
        before = locked.status
        locked.status = Commitment.Status.REJECTED
        locked.reject_reason = reason[:500]
        locked.save(update_fields=["status", "reject_reason"])
        audit_record(
            actor=actor,
            action="funds.commitment_withdraw",
            obj=locked,
            union_id=locked.union_id,
            changes={"status": [before, "rejected"]},
            extra={"reason": reason[:500]},
        )
    return locked
