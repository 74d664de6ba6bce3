"""Shared reads of funds, always scoped through ``orgs.access`` (the 经审 role reads all of its
subtree; nothing outside it is visible)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet, Sum

from yugong.accounts.models import User
from yugong.core.timeutil import local_today
from yugong.orgs.access import access_object, scope_filter

from . import ledger
from .models import (
    Budget,
    BudgetLine,
    Commitment,
    Difference,
    IncomeLine,
    LedgerLine,
    PayoutBatch,
    PayoutLine,
    Reconciliation,
)
from .services.common import PREPARE_ROLES, READ_ROLES


def budgets_visible(actor: User) -> QuerySet[Budget]:
    return scope_filter(Budget.objects.select_related("union"), actor, roles=READ_ROLES).order_by(
        "-year", "union__path"
    )


def budget_get(actor: User, pk: Any) -> Budget:
    return access_object(Budget.objects.select_related("union"), actor, pk, roles=READ_ROLES)


def lines_visible(actor: User) -> QuerySet[BudgetLine]:
    return scope_filter(
        BudgetLine.objects.select_related("union", "subcategory"), actor, roles=READ_ROLES
    ).order_by("-year", "union__path", "category", "pk")


def line_get(actor: User, pk: Any) -> BudgetLine:
    return access_object(BudgetLine.objects.select_related("union", "budget"), actor, pk, roles=READ_ROLES)


def spendable_lines(actor: User) -> list[BudgetLine]:
    """Open lines of approved budgets the actor may ask to spend from (a scenario's 预算项目
    choice: 包场, annual passes, activities), this year and later, with their union — one query."""
    qs = BudgetLine.objects.filter(open=True, year__gte=local_today().year).select_related("union")
    return list(scope_filter(qs, actor, roles=PREPARE_ROLES).order_by("union__path", "category", "pk")[:200])


def commitments_visible(actor: User) -> QuerySet[Commitment]:
    return scope_filter(
        Commitment.objects.select_related("line", "union", "requested_by"), actor, roles=READ_ROLES
    ).order_by("-created_at", "-pk")


def commitment_get(actor: User, pk: Any) -> Commitment:
    return access_object(
        Commitment.objects.select_related("line", "union", "requested_by"), actor, pk, roles=READ_ROLES
    )


def line_movements(line: BudgetLine) -> QuerySet[LedgerLine]:
    """Every ledger row of a line's accounts (the drill-down), newest first. The caller has the line
    from :func:`line_get`."""
    accounts = [
        ledger.budget_available(line.pk),
        ledger.budget_reserved(line.pk),
        ledger.budget_spent(line.pk),
        ledger.funds_expense(line.pk),
    ]
    return (
        LedgerLine.objects.filter(account__in=accounts)
        .select_related("entry")
        .order_by("-entry__created_at", "-entry_id", "pk")
    )


def income_line_get(actor: User, pk: Any) -> IncomeLine:
    return access_object(
        IncomeLine.objects.select_related("budget"),
        actor,
        pk,
        path_field="budget__union__path",
        roles=READ_ROLES,
    )


def reconciliation_get(actor: User, pk: Any) -> Reconciliation:
    return access_object(
        Reconciliation.objects.select_related("union", "batch", "created_by"), actor, pk, roles=READ_ROLES
    )


def reconciliations_visible(actor: User) -> QuerySet[Reconciliation]:
    """Runs in the actor's subtrees, newest first, each with its count of open differences."""
    return (
        scope_filter(
            Reconciliation.objects.select_related("union", "batch", "created_by"), actor, roles=READ_ROLES
        )
        .annotate(
            open_count=Count("difference_rows", filter=Q(difference_rows__status=Difference.Status.OPEN))
        )
        .order_by("-created_at", "-pk")
    )


def run_differences(run: Reconciliation) -> QuerySet[Difference]:
    """A run's differences, open first. The caller has the run from :func:`reconciliation_get`."""
    return Difference.objects.filter(run=run).select_related("resolved_by").order_by("-status", "pk")


def run_summary(run: Reconciliation) -> list[dict[str, Any]]:
    """Per kind of difference: how many, how many still open, the amounts on each side."""
    labels = dict(Difference.Kind.choices)
    rows = (
        Difference.objects.filter(run=run)
        .values("kind")
        .annotate(
            total=Count("pk"),
            open=Count("pk", filter=Q(status=Difference.Status.OPEN)),
            statement=Sum("statement_fen"),
            books=Sum("ledger_fen"),
        )
        .order_by("kind")
    )
    return [{**row, "label": labels.get(row["kind"], row["kind"])} for row in rows]


def batches_visible(actor: User) -> QuerySet[PayoutBatch]:
    return scope_filter(
        PayoutBatch.objects.select_related("union", "created_by", "follow_up_of"), actor, roles=READ_ROLES
    ).order_by("-created_at", "-pk")


def batch_get(actor: User, pk: Any) -> PayoutBatch:
    return access_object(
        PayoutBatch.objects.select_related("union", "follow_up_of"), actor, pk, roles=READ_ROLES
    )


def batch_lines(batch: PayoutBatch) -> QuerySet[PayoutLine]:
    """A batch's lines in file order, with what each one pays and whether it was paid again."""
    return PayoutLine.objects.filter(batch=batch).select_related("commitment", "retried_by").order_by("pk")


def payout_line_get(actor: User, pk: Any) -> PayoutLine:
    return access_object(
        PayoutLine.objects.select_related("batch"),
        actor,
        pk,
        path_field="batch__union__path",
        roles=READ_ROLES,
    )


def payable_commitments(batch: PayoutBatch) -> QuerySet[Commitment]:
    """What a draft batch can pay: the batch's union's approved requests with money reserved."""
    return (
        Commitment.objects.filter(
            union_id=batch.union_id, status=Commitment.Status.RESERVED, reserved_fen__gt=0
        )
        .select_related("line")
        .annotate(
            queued=Sum(
                "payout_lines__amount_fen",
                filter=Q(
                    payout_lines__status=PayoutLine.Status.PENDING,
                    payout_lines__batch__status=PayoutBatch.Status.DRAFT,
                ),
            )
        )
        .order_by("pk")
    )


def difference_get(actor: User, pk: Any) -> Difference:
    return access_object(Difference.objects.all(), actor, pk, path_field="run__union__path", roles=READ_ROLES)
