"""Reports: budget execution by line and period for a node and its subtree (with the drill-down
to the movements in :func:`yugong.funds.selectors.line_movements`), the income and expenditure
statement, and both as .xlsx. Each report is a fixed number of grouped queries, however many
unions the subtree holds."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import IO, Any

from django.db.models import Sum
from django.utils.translation import gettext as _

from yugong.accounts.models import User
from yugong.core.timeutil import SHANGHAI
from yugong.orgs.access import access_union, subtree_filter
from yugong.orgs.models import Union

from .models import BudgetLine, Category, IncomeKind, IncomeLine, LedgerLine
from .services.common import READ_ROLES


@dataclass
class ExecutionRow:
    line_id: int
    union_id: int
    union_name: str
    category: str
    category_label: str
    name: str
    amount_fen: int
    reserved_fen: int
    spent_fen: int
    available_fen: int
    spent_in_period_fen: int

    @property
    def rate_bp(self) -> int:
        """Spent as a share of the budget, in basis points (10000 = 100 %)."""
        return self.spent_fen * 10000 // self.amount_fen if self.amount_fen else 0


@dataclass
class Execution:
    union: Union
    year: int
    start: dt.date | None
    end: dt.date | None
    rows: list[ExecutionRow] = field(default_factory=list)

    def total(self, name: str) -> int:
        return sum(int(getattr(r, name)) for r in self.rows)


def _window(start: dt.date | None, end: dt.date | None) -> dict[str, dt.datetime]:
    out = {}
    if start:
        out["entry__created_at__gte"] = dt.datetime.combine(start, dt.time.min, tzinfo=SHANGHAI)
    if end:
        out["entry__created_at__lt"] = dt.datetime.combine(
            end + dt.timedelta(days=1), dt.time.min, tzinfo=SHANGHAI
        )
    return out


def budget_execution(
    actor: User,
    *,
    union_id: Any,
    year: int,
    start: dt.date | None = None,
    end: dt.date | None = None,
    limit: int = 5000,
) -> Execution:
    """Every approved line of ``year`` in the union's subtree, with what was spent in the period."""
    union = access_union(actor, union_id, roles=READ_ROLES)
    lines = list(
        subtree_filter(BudgetLine.objects.filter(year=year, open=True), union)
        .select_related("union")
        .order_by("union__path", "category", "pk")[:limit]
    )
    spent_in_period = {
        row["account"]: int(row["s"] or 0)
        for row in subtree_filter(LedgerLine.objects.all(), union, path_field="entry__union__path")
        .filter(account__startswith="budget_spent:", **_window(start, end))
        .values("account")
        .annotate(s=Sum("amount_fen"))
    }
    labels = dict(Category.choices)
    report = Execution(union=union, year=year, start=start, end=end)
    for line in lines:
        report.rows.append(
            ExecutionRow(
                line_id=line.pk,
                union_id=line.union_id,
                union_name=line.union.name,
                category=line.category,
                category_label=str(labels.get(line.category, line.category)),
                name=line.name,
                amount_fen=line.amount_fen,
                reserved_fen=line.reserved_fen,
                spent_fen=line.spent_fen,
                available_fen=line.available_fen,
                spent_in_period_fen=spent_in_period.get(f"budget_spent:{line.pk}", 0),
            )
        )
    return report


@dataclass
class StatementRow:
    key: str
    label: str
    planned_fen: int
    actual_fen: int


@dataclass
class IncomeStatement:
    union: Union
    year: int
    income: list[StatementRow]
    expenditure: list[StatementRow]

    @property
    def income_total(self) -> int:
        return sum(r.actual_fen for r in self.income)

    @property
    def expenditure_total(self) -> int:
        return sum(r.actual_fen for r in self.expenditure)

    @property
    def balance_fen(self) -> int:
        return self.income_total - self.expenditure_total


def income_statement(actor: User, *, union_id: Any, year: int) -> IncomeStatement:
    """收支表: income by kind (planned, received) and expenditure by category (budget, spent) for the
    union and its subtree, from approved budgets."""
    union = access_union(actor, union_id, roles=READ_ROLES)
    income = {
        row["kind"]: row
        for row in subtree_filter(
            IncomeLine.objects.filter(budget__year=year, budget__status="approved"),
            union,
            path_field="budget__union__path",
        )
        .values("kind")
        .annotate(p=Sum("planned_fen"), r=Sum("received_fen"))
    }
    spent = {
        row["category"]: row
        for row in subtree_filter(BudgetLine.objects.filter(year=year, open=True), union)
        .values("category")
        .annotate(a=Sum("amount_fen"), s=Sum("spent_fen"))
    }
    return IncomeStatement(
        union=union,
        year=year,
        income=[
            StatementRow(
                k,
                str(label),
                int((income.get(k) or {}).get("p") or 0),
                int((income.get(k) or {}).get("r") or 0),
            )
            for k, label in IncomeKind.choices
        ],
        expenditure=[
            StatementRow(
                k,
                str(label),
                int((spent.get(k) or {}).get("a") or 0),
                int((spent.get(k) or {}).get("s") or 0),
            )
            for k, label in Category.choices
        ],
    )


def _yuan(fen: int) -> float:
    return round(fen / 100, 2)


def write_xlsx(execution: Execution, statement: IncomeStatement, out: IO[bytes]) -> None:
    """Both reports in one workbook, written row by row (write-only mode)."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("预算执行"))
    sheet.append(
        [
            _("工会"),
            _("支出类别"),
            _("预算项目"),
            _("预算金额"),
            _("已占用"),
            _("已支出"),
            _("可用余额"),
            _("本期支出"),
            _("执行率"),
        ]
    )
    for r in execution.rows:
        sheet.append(
            [
                r.union_name,
                r.category_label,
                r.name,
                _yuan(r.amount_fen),
                _yuan(r.reserved_fen),
                _yuan(r.spent_fen),
                _yuan(r.available_fen),
                _yuan(r.spent_in_period_fen),
                f"{r.rate_bp / 100:.2f}%",
            ]
        )
    sheet.append(
        [
            _("合计"),
            "",
            "",
            _yuan(execution.total("amount_fen")),
            _yuan(execution.total("reserved_fen")),
            _yuan(execution.total("spent_fen")),
            _yuan(execution.total("available_fen")),
            _yuan(execution.total("spent_in_period_fen")),
            "",
        ]
    )
    sheet2 = book.create_sheet(_("收支表"))
    sheet2.append([_("项目"), _("预算数"), _("执行数")])
    sheet2.append([_("一、收入"), "", ""])
    for row in statement.income:
        sheet2.append([row.label, _yuan(row.planned_fen), _yuan(row.actual_fen)])
    sheet2.append([_("二、支出"), "", ""])
    for row in statement.expenditure:
        sheet2.append([row.label, _yuan(row.planned_fen), _yuan(row.actual_fen)])
    sheet2.append([_("收支结余"), "", _yuan(statement.balance_fen)])
    book.save(out)
