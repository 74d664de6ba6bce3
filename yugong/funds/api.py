"""Funds API, mounted at /api/v1/funds/ (no ``from __future__ import annotations``: Ninja reads the
annotations at import). Staff only; everything scoped through ``orgs.access`` (outside the
caller's subtree answers 404); the writes call the services, which check the roles."""

import datetime as dt
import io
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema

from yugong.accounts.models import User, request_user
from yugong.core.errors import PermissionDenied
from yugong.core.schemas import ERROR_RESPONSES
from yugong.orgs.access import access_union
from yugong.orgs.decorators import is_console_user

from . import reports, selectors, services
from .models import Budget, BudgetLine, Commitment, Difference, IncomeLine, LedgerLine, Reconciliation

router = Router(tags=["funds"])


def _staff(request: HttpRequest) -> User:
    user = request_user(request)
    if not is_console_user(user):
        raise PermissionDenied()
    return user


# --- Schemas --------------------------------------------------------------------------------


class FundsLineOut(Schema):
    id: int
    union_id: int
    year: int
    category: str
    subcategory_id: int | None
    name: str
    amount_fen: int
    reserved_fen: int
    spent_fen: int
    available_fen: int
    open: bool


class FundsIncomeOut(Schema):
    id: int
    kind: str
    name: str
    planned_fen: int
    received_fen: int


class FundsBudgetOut(Schema):
    id: int
    union_id: int
    union_name: str
    year: int
    status: str
    note: str
    return_reason: str
    submitted_by_id: int | None
    approved_by_id: int | None


class FundsBudgetDetailOut(FundsBudgetOut):
    lines: list[FundsLineOut]
    income: list[FundsIncomeOut]


class FundsBudgetIn(Schema):
    union_id: int
    year: int
    note: str = Field("", max_length=500)


class FundsLineIn(Schema):
    category: str = Field(..., max_length=16, description="职工活动/维权/业务/资本性/事业/其他")
    name: str = Field(..., max_length=100)
    amount_fen: int = Field(..., description="预算金额（分）")
    subcategory_id: int | None = None


class FundsIncomeIn(Schema):
    kind: str = Field(..., max_length=12)
    name: str = Field(..., max_length=100)
    planned_fen: int = 0


class FundsAmountIn(Schema):
    amount_fen: int
    memo: str = Field("", max_length=200)


class FundsReasonIn(Schema):
    reason: str = Field(..., max_length=500)


class FundsCommitmentIn(Schema):
    line_id: int
    amount_fen: int
    purpose: str = Field(..., max_length=200)


class FundsCommitmentOut(Schema):
    id: int
    line_id: int
    union_id: int
    amount_fen: int
    reserved_fen: int
    spent_fen: int
    released_fen: int
    purpose: str
    status: str
    requested_by_id: int | None
    first_approver_id: int | None
    approver_id: int | None
    reject_reason: str
    created_at: dt.datetime


class FundsReleaseIn(Schema):
    amount_fen: int | None = None
    memo: str = Field("", max_length=200)


class FundsMovementOut(Schema):
    entry_id: int
    kind: str
    memo: str
    account: str
    amount_fen: int
    created_at: dt.datetime


class FundsExecutionRowOut(Schema):
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
    rate_bp: int


class FundsExecutionOut(Schema):
    union_id: int
    year: int
    rows: list[FundsExecutionRowOut]


class FundsReportIn(Schema):
    union_id: int
    year: int
    start: dt.date | None = None
    end: dt.date | None = None


class FundsStatementRowOut(Schema):
    key: str
    label: str
    planned_fen: int
    actual_fen: int


class FundsStatementOut(Schema):
    union_id: int
    year: int
    income: list[FundsStatementRowOut]
    expenditure: list[FundsStatementRowOut]
    income_total: int
    expenditure_total: int
    balance_fen: int


class FundsDifferenceOut(Schema):
    id: int
    run_id: int
    kind: str
    external_ref: str
    statement_fen: int | None
    ledger_fen: int | None
    status: str
    resolution: str


class FundsResolveIn(Schema):
    resolution: str = Field(..., max_length=500)


def _line_out(line: BudgetLine) -> FundsLineOut:
    return FundsLineOut(
        id=line.pk,
        union_id=line.union_id,
        year=line.year,
        category=line.category,
        subcategory_id=line.subcategory_id,
        name=line.name,
        amount_fen=line.amount_fen,
        reserved_fen=line.reserved_fen,
        spent_fen=line.spent_fen,
        available_fen=line.available_fen,
        open=line.open,
    )


def _income_out(line: IncomeLine) -> FundsIncomeOut:
    return FundsIncomeOut(
        id=line.pk,
        kind=line.kind,
        name=line.name,
        planned_fen=line.planned_fen,
        received_fen=line.received_fen,
    )


def _budget_fields(b: Budget) -> dict[str, Any]:
    return {
        "id": b.pk,
        "union_id": b.union_id,
        "union_name": b.union.name,
        "year": b.year,
        "status": b.status,
        "note": b.note,
        "return_reason": b.return_reason,
        "submitted_by_id": b.submitted_by_id,
        "approved_by_id": b.approved_by_id,
    }


def _budget_detail(b: Budget) -> FundsBudgetDetailOut:
    return FundsBudgetDetailOut(
        **_budget_fields(b),
        lines=[_line_out(x) for x in BudgetLine.objects.filter(budget=b).order_by("category", "pk")],
        income=[_income_out(x) for x in IncomeLine.objects.filter(budget=b).order_by("kind", "pk")],
    )


def _commitment_out(c: Commitment) -> FundsCommitmentOut:
    return FundsCommitmentOut(
        id=c.pk,
        line_id=c.line_id,
        union_id=c.union_id,
        amount_fen=c.amount_fen,
        reserved_fen=c.reserved_fen,
        spent_fen=c.spent_fen,
        released_fen=c.released_fen,
        purpose=c.purpose,
        status=c.status,
        requested_by_id=c.requested_by_id,
        first_approver_id=c.first_approver_id,
        approver_id=c.approver_id,
        reject_reason=c.reject_reason,
        created_at=c.created_at,
    )


# --- Budgets --------------------------------------------------------------------------------


@router.get(
    "/budgets", response={200: list[FundsBudgetOut], **ERROR_RESPONSES}, summary="预算列表（本级及下级）"
)
def budget_list(request: HttpRequest, year: int | None = None, limit: int = 100) -> list[FundsBudgetOut]:
    qs = selectors.budgets_visible(_staff(request))
    if year is not None:
        qs = qs.filter(year=year)
    return [FundsBudgetOut(**_budget_fields(b)) for b in qs[: max(1, min(limit, 500))]]


@router.post("/budgets", response={200: FundsBudgetDetailOut, **ERROR_RESPONSES}, summary="编制年度预算")
def budget_create(request: HttpRequest, payload: FundsBudgetIn) -> FundsBudgetDetailOut:
    user = _staff(request)
    union = access_union(user, payload.union_id)
    return _budget_detail(
        services.budget_create(actor=user, union=union, year=payload.year, note=payload.note)
    )


@router.get(
    "/budgets/{int:budget_id}", response={200: FundsBudgetDetailOut, **ERROR_RESPONSES}, summary="预算详情"
)
def budget_detail(request: HttpRequest, budget_id: int) -> FundsBudgetDetailOut:
    return _budget_detail(selectors.budget_get(_staff(request), budget_id))


@router.post(
    "/budgets/{int:budget_id}/lines",
    response={200: FundsLineOut, **ERROR_RESPONSES},
    summary="添加支出预算项目",
)
def budget_line_add(request: HttpRequest, budget_id: int, payload: FundsLineIn) -> FundsLineOut:
    user = _staff(request)
    budget = selectors.budget_get(user, budget_id)
    line = services.budget_line_add(
        actor=user,
        budget=budget,
        category=payload.category,
        name=payload.name,
        amount_fen=payload.amount_fen,
        subcategory=payload.subcategory_id,
    )
    return _line_out(line)


@router.post(
    "/budgets/{int:budget_id}/income",
    response={200: FundsIncomeOut, **ERROR_RESPONSES},
    summary="添加收入预算项目",
)
def income_line_add(request: HttpRequest, budget_id: int, payload: FundsIncomeIn) -> FundsIncomeOut:
    user = _staff(request)
    budget = selectors.budget_get(user, budget_id)
    return _income_out(
        services.income_line_add(
            actor=user, budget=budget, kind=payload.kind, name=payload.name, planned_fen=payload.planned_fen
        )
    )


@router.post(
    "/budgets/{int:budget_id}/submit",
    response={200: FundsBudgetDetailOut, **ERROR_RESPONSES},
    summary="提交预算审批",
)
def budget_submit(request: HttpRequest, budget_id: int) -> FundsBudgetDetailOut:
    user = _staff(request)
    return _budget_detail(services.budget_submit(actor=user, budget=selectors.budget_get(user, budget_id)))


@router.post(
    "/budgets/{int:budget_id}/approve",
    response={200: FundsBudgetDetailOut, **ERROR_RESPONSES},
    summary="批准预算",
)
def budget_approve(request: HttpRequest, budget_id: int) -> FundsBudgetDetailOut:
    user = _staff(request)
    return _budget_detail(services.budget_approve(actor=user, budget=selectors.budget_get(user, budget_id)))


@router.post(
    "/budgets/{int:budget_id}/return",
    response={200: FundsBudgetDetailOut, **ERROR_RESPONSES},
    summary="退回预算",
)
def budget_return(request: HttpRequest, budget_id: int, payload: FundsReasonIn) -> FundsBudgetDetailOut:
    user = _staff(request)
    return _budget_detail(
        services.budget_return(
            actor=user, budget=selectors.budget_get(user, budget_id), reason=payload.reason
        )
    )


@router.post(
    "/income/{int:income_id}/receipts",
    response={200: FundsIncomeOut, **ERROR_RESPONSES},
    summary="登记收入到账",
)
def income_record(request: HttpRequest, income_id: int, payload: FundsAmountIn) -> FundsIncomeOut:
    user = _staff(request)
    line = selectors.income_line_get(user, income_id)
    return _income_out(
        services.income_record(actor=user, line=line, amount_fen=payload.amount_fen, memo=payload.memo)
    )


@router.get(
    "/lines/{int:line_id}/movements",
    response={200: list[FundsMovementOut], **ERROR_RESPONSES},
    summary="预算项目的账簿明细",
)
def line_movements(request: HttpRequest, line_id: int, limit: int = 200) -> list[FundsMovementOut]:
    line = selectors.line_get(_staff(request), line_id)
    rows: list[LedgerLine] = list(selectors.line_movements(line)[: max(1, min(limit, 1000))])
    return [
        FundsMovementOut(
            entry_id=r.entry_id,
            kind=r.entry.kind,
            memo=r.entry.memo,
            account=r.account,
            amount_fen=r.amount_fen,
            created_at=r.entry.created_at,
        )
        for r in rows
    ]


# --- Commitments ----------------------------------------------------------------------------


@router.get(
    "/commitments",
    response={200: list[FundsCommitmentOut], **ERROR_RESPONSES},
    summary="支出申请（本级及下级）",
)
def commitment_list(
    request: HttpRequest, status: str | None = None, limit: int = 100
) -> list[FundsCommitmentOut]:
    qs = selectors.commitments_visible(_staff(request))
    if status:
        qs = qs.filter(status=status)
    return [_commitment_out(c) for c in qs[: max(1, min(limit, 500))]]


@router.post("/commitments", response={200: FundsCommitmentOut, **ERROR_RESPONSES}, summary="提交支出申请")
def commitment_request(request: HttpRequest, payload: FundsCommitmentIn) -> FundsCommitmentOut:
    user = _staff(request)
    line = selectors.line_get(user, payload.line_id)
    return _commitment_out(
        services.commitment_request(
            actor=user, line=line, amount_fen=payload.amount_fen, purpose=payload.purpose
        )
    )


@router.post(
    "/commitments/{int:commitment_id}/approve",
    response={200: FundsCommitmentOut, **ERROR_RESPONSES},
    summary="审批支出申请",
)
def commitment_approve(request: HttpRequest, commitment_id: int) -> FundsCommitmentOut:
    # The same service as the console's button: one statement on PostgreSQL (both tiers).
    return _commitment_out(services.commitment_approve_id(actor=_staff(request), commitment_id=commitment_id))


@router.post(
    "/commitments/{int:commitment_id}/reject",
    response={200: FundsCommitmentOut, **ERROR_RESPONSES},
    summary="驳回支出申请",
)
def commitment_reject(request: HttpRequest, commitment_id: int, payload: FundsReasonIn) -> FundsCommitmentOut:
    user = _staff(request)
    c = selectors.commitment_get(user, commitment_id)
    return _commitment_out(services.commitment_reject(actor=user, commitment=c, reason=payload.reason))


@router.post(
    "/commitments/{int:commitment_id}/spend",
    response={200: FundsCommitmentOut, **ERROR_RESPONSES},
    summary="支付",
)
def commitment_spend(request: HttpRequest, commitment_id: int, payload: FundsAmountIn) -> FundsCommitmentOut:
    user = _staff(request)
    c = selectors.commitment_get(user, commitment_id)
    return _commitment_out(
        services.commitment_spend(actor=user, commitment=c, amount_fen=payload.amount_fen, memo=payload.memo)
    )


@router.post(
    "/commitments/{int:commitment_id}/release",
    response={200: FundsCommitmentOut, **ERROR_RESPONSES},
    summary="释放占用",
)
def commitment_release(
    request: HttpRequest, commitment_id: int, payload: FundsReleaseIn
) -> FundsCommitmentOut:
    user = _staff(request)
    c = selectors.commitment_get(user, commitment_id)
    return _commitment_out(
        services.commitment_release(
            actor=user, commitment=c, amount_fen=payload.amount_fen, memo=payload.memo
        )
    )


# --- Reports and reconciliation -------------------------------------------------------------


@router.get(
    "/reports/execution",
    response={200: FundsExecutionOut, **ERROR_RESPONSES},
    summary="预算执行情况（本级及下级，可按期间）",
)
def report_execution(request: HttpRequest, q: Query[FundsReportIn]) -> FundsExecutionOut:
    report = reports.budget_execution(
        _staff(request), union_id=q.union_id, year=q.year, start=q.start, end=q.end
    )
    return FundsExecutionOut(
        union_id=report.union.pk,
        year=report.year,
        rows=[FundsExecutionRowOut(**{**r.__dict__, "rate_bp": r.rate_bp}) for r in report.rows],
    )


@router.get("/reports/statement", response={200: FundsStatementOut, **ERROR_RESPONSES}, summary="收支表")
def report_statement(request: HttpRequest, q: Query[FundsReportIn]) -> FundsStatementOut:
    st = reports.income_statement(_staff(request), union_id=q.union_id, year=q.year)
    return FundsStatementOut(
        union_id=st.union.pk,
        year=st.year,
        income=[FundsStatementRowOut(**r.__dict__) for r in st.income],
        expenditure=[FundsStatementRowOut(**r.__dict__) for r in st.expenditure],
        income_total=st.income_total,
        expenditure_total=st.expenditure_total,
        balance_fen=st.balance_fen,
    )


@router.get(
    "/reports/export.xlsx", response={200: None, **ERROR_RESPONSES}, summary="导出预算执行与收支表（.xlsx）"
)
def report_export(request: HttpRequest, q: Query[FundsReportIn]) -> HttpResponse:
    user = _staff(request)
    execution = reports.budget_execution(user, union_id=q.union_id, year=q.year, start=q.start, end=q.end)
    statement = reports.income_statement(user, union_id=q.union_id, year=q.year)
    out = io.BytesIO()
    reports.write_xlsx(execution, statement, out)
    response = HttpResponse(
        out.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="funds-{q.union_id}-{q.year}.xlsx"'
    return response


@router.get(
    "/reconciliations/{int:run_id}/differences",
    response={200: list[FundsDifferenceOut], **ERROR_RESPONSES},
    summary="对账差异",
)
def differences(request: HttpRequest, run_id: int) -> list[FundsDifferenceOut]:
    run: Reconciliation = selectors.reconciliation_get(_staff(request), run_id)
    return [_difference_out(d) for d in Difference.objects.filter(run=run).order_by("pk")[:1000]]


@router.post(
    "/differences/{int:difference_id}/resolve",
    response={200: FundsDifferenceOut, **ERROR_RESPONSES},
    summary="处理对账差异",
)
def difference_resolve(
    request: HttpRequest, difference_id: int, payload: FundsResolveIn
) -> FundsDifferenceOut:
    user = _staff(request)
    diff = selectors.difference_get(user, difference_id)
    return _difference_out(
        services.difference_resolve(actor=user, difference=diff, resolution=payload.resolution)
    )


def _difference_out(d: Difference) -> FundsDifferenceOut:
    return FundsDifferenceOut(
        id=d.pk,
        run_id=d.run_id,
        kind=d.kind,
        external_ref=d.external_ref,
        statement_fen=d.statement_fen,
        ledger_fen=d.ledger_fen,
        status=d.status,
        resolution=d.resolution,
    )
