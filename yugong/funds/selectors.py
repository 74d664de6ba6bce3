"""Shared reads of funds, always scoped through ``orgs.access`` (the 经审 role reads all of its
subtree; nothing outside it is visible)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from yugong.accounts.models import User
from yugong.orgs.access import access_object, scope_filter

from . import ledger
from .models import Budget, BudgetLine, Commitment, Difference, IncomeLine, LedgerLine, Reconciliation
from .services.common import READ_ROLES


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
    return access_object(Reconciliation.objects.all(), actor, pk, roles=READ_ROLES)


def difference_get(actor: User, pk: Any) -> Difference:
    return access_object(Difference.objects.all(), actor, pk, path_field="run__union__path", roles=READ_ROLES)
