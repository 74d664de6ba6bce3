"""Budgets: prepare (draft), submit, approve or send back — and income received.

Approval opens the lines for spending and books the appropriation in the ledger's memorandum
accounts (``budget_available:<line>`` against ``budget_appropriation:<union>``), so the ledger can
prove every line's figures from then on."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from yugong.accounts.models import User
from yugong.core.audit import audit_record
from yugong.core.errors import Conflict, PermissionDenied, ValidationFailed
from yugong.core.facts import fact_record
from yugong.core.timeutil import local_today, now
from yugong.orgs.models import Union

from .. import ledger
from ..models import Budget, BudgetLine, Category, IncomeKind, IncomeLine, SubCategory
from .common import APPROVE_ROLES, FINANCE_ROLES, PREPARE_ROLES, clean_amount, clean_words, lock, require


def _clean_year(year: Any) -> int:
    try:
        value = int(year)
    except (TypeError, ValueError):
        raise ValidationFailed(fields={"year": _("年度格式不正确。")}) from None
    this_year = local_today().year
    if not this_year - 5 <= value <= this_year + 1:
        raise ValidationFailed(fields={"year": _("年度超出可编制范围。")})
    return value


def _editable(budget: Budget) -> None:
    if budget.status != Budget.Status.DRAFT:
        raise Conflict(_("预算已提交或已批准，不能修改。"), code="not_draft")


@transaction.atomic
def budget_create(*, actor: User, union: Union, year: Any, note: str = "") -> Budget:
    require(actor, union, PREPARE_ROLES)
    value = _clean_year(year)
    text = clean_words(note, field="note", max_length=500, required=False)
    try:
        with transaction.atomic():
            budget = Budget.objects.create(union=union, year=value, note=text, created_by=actor)
    except IntegrityError:
        raise ValidationFailed(fields={"year": _("该工会本年度的预算已存在。")}) from None
    audit_record(actor=actor, action="funds.budget_create", obj=budget, union_id=union.pk)
    return budget


@transaction.atomic
def budget_line_add(
    *,
    actor: User,
    budget: Budget | int,
    category: str,
    name: str,
    amount_fen: Any,
    subcategory: SubCategory | int | None = None,
) -> BudgetLine:
    locked = lock(Budget, budget)
    require(actor, locked.union, PREPARE_ROLES)
    _editable(locked)
    if category not in Category.values:
        raise ValidationFailed(fields={"category": _("请选择支出类别。")})
    sub = None
    if subcategory is not None:
        sub_id = subcategory if isinstance(subcategory, int) else subcategory.pk
        sub = SubCategory.objects.filter(pk=sub_id, active=True).first()
        if sub is None or sub.category != category:
            raise ValidationFailed(fields={"subcategory": _("支出子类与支出类别不符。")})
    line = BudgetLine.objects.create(
        budget=locked,
        union_id=locked.union_id,
        year=locked.year,
        category=category,
        subcategory=sub,
        name=clean_words(name, field="name", max_length=100),
        amount_fen=clean_amount(amount_fen),
    )
    audit_record(
        actor=actor,
        action="funds.budget_line_add",
        obj=line,
        union_id=locked.union_id,
        changes={"amount_fen": [None, line.amount_fen]},
    )
    return line


@transaction.atomic
def income_line_add(
    *, actor: User, budget: Budget | int, kind: str, name: str, planned_fen: Any
) -> IncomeLine:
    locked = lock(Budget, budget)
    require(actor, locked.union, PREPARE_ROLES)
    _editable(locked)
    if kind not in IncomeKind.values:
        raise ValidationFailed(fields={"kind": _("请选择收入类别。")})
    line = IncomeLine.objects.create(
        budget=locked,
        kind=kind,
        name=clean_words(name, field="name", max_length=100),
        planned_fen=clean_amount(planned_fen, field="planned_fen", allow_zero=True),
    )
    audit_record(actor=actor, action="funds.income_line_add", obj=line, union_id=locked.union_id)
    return line


@transaction.atomic
def budget_submit(*, actor: User, budget: Budget | int) -> Budget:
    locked = lock(Budget, budget)
    require(actor, locked.union, PREPARE_ROLES)
    _editable(locked)
    if not BudgetLine.objects.filter(budget=locked).exists():
        raise ValidationFailed(fields={"lines": _("预算至少需要一个支出项目。")})
    locked.status = Budget.Status.SUBMITTED
    locked.submitted_by = actor
    locked.submitted_at = now()
    locked.return_reason = ""
    locked.save(update_fields=["status", "submitted_by", "submitted_at", "return_reason"])
    audit_record(
        actor=actor,
        action="funds.budget_submit",
        obj=locked,
        union_id=locked.union_id,
        changes={"status": ["draft", "submitted"]},
    )
    return locked


@transaction.atomic
def budget_approve(*, actor: User, budget: Budget | int) -> Budget:
    """The union's leadership approves a submitted budget; nobody approves what they submitted."""
    locked = lock(Budget, budget)
    require(actor, locked.union, APPROVE_ROLES)
    if locked.status != Budget.Status.SUBMITTED:
        raise Conflict(_("只有待审批的预算可以批准。"), code="not_submitted")
    if getattr(actor, "pk", None) in (locked.submitted_by_id, locked.created_by_id):
        raise PermissionDenied(_("不能审批自己编制或提交的预算。"), code="self_approval")
    locked.status = Budget.Status.APPROVED
    locked.approved_by = actor
    locked.approved_at = now()
    locked.save(update_fields=["status", "approved_by", "approved_at"])
    lines = list(BudgetLine.objects.filter(budget=locked).order_by("pk"))
    BudgetLine.objects.filter(budget=locked).update(open=True)
    total = sum(line.amount_fen for line in lines)
    ledger.post(
        kind="budget_approve",
        lines=[(ledger.budget_available(line.pk), line.amount_fen) for line in lines]
        + [(ledger.budget_appropriation(locked.union_id), -total)],
        memo=f"budget {locked.year}",
        union_id=locked.union_id,
        ref=locked,
    )
    audit_record(
        actor=actor,
        action="funds.budget_approve",
        obj=locked,
        union_id=locked.union_id,
        changes={"status": ["submitted", "approved"]},
        extra={"total_fen": total},
    )
    fact_record(metric="funds.budget_fen", union_id=locked.union_id, value=total)
    return locked


@transaction.atomic
def budget_return(*, actor: User, budget: Budget | int, reason: str) -> Budget:
    """Send a submitted budget back to its preparers (to draft), with the reason."""
    text = clean_words(reason, field="reason", max_length=500)
    locked = lock(Budget, budget)
    require(actor, locked.union, APPROVE_ROLES)
    if locked.status != Budget.Status.SUBMITTED:
        raise Conflict(_("只有待审批的预算可以退回。"), code="not_submitted")
    locked.status = Budget.Status.DRAFT
    locked.return_reason = text
    locked.save(update_fields=["status", "return_reason"])
    audit_record(
        actor=actor,
        action="funds.budget_return",
        obj=locked,
        union_id=locked.union_id,
        changes={"status": ["submitted", "draft"]},
        extra={"reason": text},
    )
    return locked


@transaction.atomic
def income_record(*, actor: User, line: IncomeLine | int, amount_fen: Any, memo: str = "") -> IncomeLine:
    """Money received (会费 collected, 拨缴经费 share arrived, …): the union's cash against its income."""
    amount = clean_amount(amount_fen)
    text = clean_words(memo, field="memo", max_length=200, required=False)
    locked = lock(IncomeLine, line)
    budget = Budget.objects.select_related("union").get(pk=locked.budget_id)
    require(actor, budget.union, FINANCE_ROLES)
    if budget.status != Budget.Status.APPROVED:
        raise Conflict(_("预算批准后才能登记收入。"), code="not_approved")
    locked.received_fen += amount
    locked.save(update_fields=["received_fen"])
    ledger.post(
        kind="income",
        lines=[
            (ledger.funds_cash(budget.union_id), amount),
            (ledger.funds_income(budget.union_id, locked.kind), -amount),
        ],
        memo=text or locked.name,
        union_id=budget.union_id,
        ref=locked,
    )
    audit_record(
        actor=actor,
        action="funds.income_record",
        obj=locked,
        union_id=budget.union_id,
        extra={"amount_fen": amount},
    )
    fact_record(metric="funds.income_fen", union_id=budget.union_id, value=amount, dim=locked.kind)
    return locked
