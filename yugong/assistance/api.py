"""困难帮扶 API, mounted at /api/v1/assistance/ (no ``from __future__ import annotations``: Ninja
reads the annotations at import). Every write calls the same service as the pages; every list is
keyset-paginated on the id (``after`` = the last id of the previous page, ``next_after`` tells
whether there is more) with a fixed number of queries per page.

Worker: apply, my files with each step's deadline, the aid received, the 公示 of my unions (masked)
and an objection. Staff: the queue of a step with overdue marks, a file (masked; the clear view is
a separate, audited call), and the review, visit and approval steps."""

import datetime as dt
from typing import Any, Literal, TypeVar

from django.db import transaction
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils.timezone import now
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from yugong.accounts.models import User, request_user
from yugong.core.audit import audit_pii_view
from yugong.core.errors import NotFound, PermissionDenied, ValidationFailed
from yugong.core.pii import mask_name
from yugong.core.schemas import ERROR_RESPONSES
from yugong.members.models import Person
from yugong.orgs.decorators import is_console_user

from . import selectors, services
from .models import Beneficiary, HardshipFile

router = Router(tags=["assistance"])
M = TypeVar("M", bound=Model)


# --- schemas ---------------------------------------------------------------------------------


class AssistancePageIn(Schema):
    after: int | None = Field(None, ge=0, description="游标：上一页最后一条的 id")
    limit: int = Field(20, ge=1, le=100)


class AssistanceQueueIn(AssistancePageIn):
    status: Literal["submitted", "visiting", "approving", "notice", "objected"] = "submitted"


class AssistanceDeadlineOut(Schema):
    step: str
    label: str
    due_at: dt.datetime | dt.date
    overdue: bool


class AssistanceStepOut(Schema):
    kind: str
    label: str
    at: dt.datetime


class AssistanceMyFileOut(Schema):
    id: int
    union: str
    status: str
    status_label: str
    tier: str
    tier_label: str
    near_threshold: bool
    household_size: int
    created_at: dt.datetime
    deadlines: list[AssistanceDeadlineOut]
    steps: list[AssistanceStepOut]


class AssistanceMyFilesOut(Schema):
    rows: list[AssistanceMyFileOut]
    next_after: int | None = None


class AssistanceLineIn(Schema):
    source: str = Field(..., max_length=60)
    monthly_fen: int = Field(..., ge=0, le=100_000_000)


class AssistanceCostIn(Schema):
    kind: Literal["medical", "education"]
    monthly_fen: int = Field(..., ge=0, le=100_000_000)


class AssistanceMemberIn(Schema):
    name: str = Field(..., max_length=64)
    relation: str = Field(..., max_length=20)
    in_school: bool = False


class AssistanceApplyIn(Schema):
    causes: list[str] = Field(..., max_length=8)
    consent: bool = Field(..., description="同意工会向民政等部门核对家庭收入（必须为 true）")
    household: list[AssistanceMemberIn] = Field(default_factory=list, max_length=20)
    incomes: list[AssistanceLineIn] = Field(default_factory=list, max_length=20)
    costs: list[AssistanceCostIn] = Field(default_factory=list, max_length=20)
    sudden_event: str = Field("", max_length=200)
    illness_note: str = Field("", max_length=2000)
    bank_card: str = Field("", max_length=30)
    employment_months: int = Field(0, ge=0, le=600)


class AssistanceAidOut(Schema):
    id: int
    campaign: str
    campaign_kind: str
    cycle: str
    amount_fen: int
    goods: str
    status: str
    status_label: str
    delivered_at: dt.datetime | None = None


class AssistanceAidPageOut(Schema):
    rows: list[AssistanceAidOut]
    next_after: int | None = None


class AssistanceNoticeOut(Schema):
    file_id: int
    name: str = Field(..., description="脱敏姓名")
    union: str
    tier_label: str
    kind: Literal["entry", "exit"]
    ends_at: dt.datetime


class AssistanceObjectionIn(Schema):
    reason: str = Field(..., max_length=500)


class AssistanceObjectionOut(Schema):
    id: int
    file_id: int


class AssistanceQueueRowOut(Schema):
    id: int
    name: str = Field(..., description="脱敏姓名")
    union_id: int
    union: str
    status: str
    tier: str
    near_threshold: bool
    due_at: dt.datetime | None = None
    overdue: bool


class AssistanceQueuePageOut(Schema):
    rows: list[AssistanceQueueRowOut]
    next_after: int | None = None


class AssistanceStaffStepOut(AssistanceStepOut):
    note: str


class AssistanceFileOut(Schema):
    id: int
    name: str = Field(..., description="脱敏姓名")
    union_id: int
    union: str
    district: str
    status: str
    tier: str
    near_threshold: bool
    causes: list[str]
    household_size: int
    bank_card: str = Field(..., description="脱敏卡号")
    consent_income_check: bool
    due_at: dt.datetime | None = None
    overdue: bool
    notice_ends_at: dt.datetime | None = None
    review_due_on: dt.date | None = None
    steps: list[AssistanceStaffStepOut]


class AssistanceClearOut(Schema):
    id: int
    name: str
    bank_card: str
    illness_note: str
    monthly_income_fen: int
    monthly_rigid_cost_fen: int


class AssistanceDecisionIn(Schema):
    approve: bool
    note: str = Field("", max_length=500)


class AssistanceVisitIn(Schema):
    visited_at: dt.datetime
    place: str = Field(..., max_length=200)
    visitors: str = Field(..., max_length=200)
    findings: str = Field(..., max_length=2000)


# --- helpers ---------------------------------------------------------------------------------


def _console(request: HttpRequest) -> User:
    user = request_user(request)
    if not is_console_user(user):
        raise PermissionDenied()
    return user


def _page(qs: QuerySet[M], page: AssistancePageIn, *, descending: bool = False) -> tuple[list[M], int | None]:
    """The keyset rule, once: rows after ``page.after`` in id order; ``LIMIT n+1`` tells if there
    is a next page."""
    if page.after is not None:
        qs = qs.filter(pk__lt=page.after) if descending else qs.filter(pk__gt=page.after)
    rows = list(qs.order_by("-pk" if descending else "pk")[: page.limit + 1])
    more = len(rows) > page.limit
    rows = rows[: page.limit]
    return rows, rows[-1].pk if more and rows else None


def _deadlines(f: HardshipFile) -> list[dict[str, Any]]:
    """Each pending deadline of the file: the current step's, the 公示's end, the next review."""
    current = now()
    out: list[dict[str, Any]] = []
    if f.due_at is not None and f.status not in (HardshipFile.Status.NOTICE, HardshipFile.Status.OBJECTED):
        out.append(
            {
                "step": f.status,
                "label": f.get_status_display(),
                "due_at": f.due_at,
                "overdue": f.due_at < current,
            }
        )
    if f.notice_ends_at is not None and f.status in (
        HardshipFile.Status.NOTICE,
        HardshipFile.Status.OBJECTED,
    ):
        out.append(
            {
                "step": "notice",
                "label": str(HardshipFile.Status.NOTICE.label),
                "due_at": f.notice_ends_at,
                "overdue": False,
            }
        )
    if f.review_due_on is not None and f.status == HardshipFile.Status.ACTIVE:
        out.append(
            {
                "step": "review",
                "label": str(HardshipFile._meta.get_field("review_due_on").verbose_name),
                "due_at": f.review_due_on,
                "overdue": f.review_due_on < current.date(),
            }
        )
    return out


def _my_file(f: HardshipFile) -> dict[str, Any]:
    return {
        "id": f.pk,
        "union": f.union.name,
        "status": f.status,
        "status_label": f.get_status_display(),
        "tier": f.tier,
        "tier_label": f.get_tier_display() if f.tier else "",
        "near_threshold": f.near_threshold,
        "household_size": f.household_size,
        "created_at": f.created_at,
        "deadlines": _deadlines(f),
        "steps": [{"kind": s.kind, "label": s.get_kind_display(), "at": s.at} for s in f.steps.all()],
    }


def _queue_row(f: HardshipFile) -> dict[str, Any]:
    return {
        "id": f.pk,
        "name": mask_name(f.applicant.name),
        "union_id": f.union_id,
        "union": f.union.name,
        "status": f.status,
        "tier": f.tier,
        "near_threshold": f.near_threshold,
        "due_at": f.due_at,
        "overdue": selectors.is_overdue(f),
    }


def _file(f: HardshipFile) -> dict[str, Any]:
    return {
        **_queue_row(f),
        "district": f.district,
        "causes": list(f.causes),
        "household_size": f.household_size,
        "bank_card": f.bank_card_masked,
        "consent_income_check": f.consent_income_check,
        "notice_ends_at": f.notice_ends_at,
        "review_due_on": f.review_due_on,
        "steps": [
            {"kind": s.kind, "label": s.get_kind_display(), "at": s.at, "note": s.note} for s in f.steps.all()
        ],
    }


def _staff_file(user: User, file_id: int) -> HardshipFile:
    return selectors.staff_file(user, file_id)


# --- worker ----------------------------------------------------------------------------------


@router.post("/files", response={200: AssistanceMyFileOut, **ERROR_RESPONSES}, summary="提交困难帮扶申请")
def assistance_apply(request: HttpRequest, payload: AssistanceApplyIn) -> Any:
    user = request_user(request)
    person = Person.objects.filter(user=user).first()
    if person is None:
        raise ValidationFailed(fields={"person": _("您还不是工会会员，请先申请入会。")})
    data = payload.dict()
    f = services.file_apply(actor=user, person=person, **data)
    return _my_file(selectors.worker_files(user).get(pk=f.pk))


@router.get(
    "/files/mine", response={200: AssistanceMyFilesOut, **ERROR_RESPONSES}, summary="我的帮扶档案及各步期限"
)
def assistance_my_files(request: HttpRequest, page: Query[AssistancePageIn]) -> Any:
    rows, more = _page(selectors.worker_files(request_user(request)), page, descending=True)
    return {"rows": [_my_file(f) for f in rows], "next_after": more}


@router.get("/aid", response={200: AssistanceAidPageOut, **ERROR_RESPONSES}, summary="我收到的帮扶")
def assistance_my_aid(request: HttpRequest, page: Query[AssistancePageIn]) -> Any:
    rows, more = _page(selectors.worker_aid(request_user(request)), page, descending=True)

    def one(b: Beneficiary) -> dict[str, Any]:
        c = b.cycle
        return {
            "id": b.pk,
            "campaign": c.campaign.title,
            "campaign_kind": c.campaign.kind,
            "cycle": c.name,
            "amount_fen": b.amount_fen,
            "goods": c.goods,
            "status": b.status,
            "status_label": b.get_status_display(),
            "delivered_at": b.delivered_at,
        }

    return {"rows": [one(b) for b in rows], "next_after": more}


@router.get(
    "/notices", response={200: list[AssistanceNoticeOut], **ERROR_RESPONSES}, summary="我所在工会的公示"
)
def assistance_notices(request: HttpRequest) -> Any:
    user = request_user(request)
    out = [
        {
            "file_id": f.pk,
            "name": mask_name(f.applicant.name),
            "union": f.union.name,
            "tier_label": f.get_tier_display() if f.tier else "",
            "kind": "entry",
            "ends_at": f.notice_ends_at,
        }
        for f in selectors.worker_notices(user)[:100]
    ]
    out += [
        {
            "file_id": f.pk,
            "name": mask_name(f.applicant.name),
            "union": f.union.name,
            "tier_label": "",
            "kind": "exit",
            "ends_at": f.exit_notice_ends_at,
        }
        for f in selectors.worker_exit_notices(user)[:100]
    ]
    return out


@router.post(
    "/notices/{file_id}/objections",
    response={200: AssistanceObjectionOut, **ERROR_RESPONSES},
    summary="对建档公示提出异议",
)
def assistance_object(request: HttpRequest, file_id: int, payload: AssistanceObjectionIn) -> Any:
    user = request_user(request)
    if not selectors.worker_notices(user).filter(pk=file_id).exists():
        raise NotFound()
    o = services.objection_raise(actor=user, file=file_id, reason=payload.reason)
    return {"id": o.pk, "file_id": o.file_id}


# --- staff -----------------------------------------------------------------------------------


@router.get(
    "/queue",
    response={200: AssistanceQueuePageOut, **ERROR_RESPONSES},
    summary="待办档案（按步骤，含超期标记）",
)
def assistance_queue(request: HttpRequest, page: Query[AssistanceQueueIn]) -> Any:
    user = _console(request)
    rows, more = _page(selectors.staff_queue(user, status=page.status), page)
    return {"rows": [_queue_row(f) for f in rows], "next_after": more}


@router.get(
    "/files/{file_id}", response={200: AssistanceFileOut, **ERROR_RESPONSES}, summary="档案详情（脱敏）"
)
def assistance_file(request: HttpRequest, file_id: int) -> Any:
    return _file(_staff_file(_console(request), file_id))


@router.post(
    "/files/{file_id}/reveal",
    response={200: AssistanceClearOut, **ERROR_RESPONSES},
    summary="查看明文（记录审计）",
)
def assistance_reveal(request: HttpRequest, file_id: int) -> Any:
    user = _console(request)
    f = _staff_file(user, file_id)
    with transaction.atomic():
        audit_pii_view(
            actor=user, obj=f, fields=["name", "bank_card", "illness_note", "income"], union_id=f.union_id
        )
    return {
        "id": f.pk,
        "name": f.applicant.name,
        "bank_card": f.bank_card,
        "illness_note": f.illness_note,
        "monthly_income_fen": f.monthly_income_fen,
        "monthly_rigid_cost_fen": f.monthly_rigid_cost_fen,
    }


@router.post(
    "/files/{file_id}/review", response={200: AssistanceFileOut, **ERROR_RESPONSES}, summary="基层审核"
)
def assistance_review(request: HttpRequest, file_id: int, payload: AssistanceDecisionIn) -> Any:
    user = _console(request)
    f = _staff_file(user, file_id)
    services.file_review(actor=user, file=f, approve=payload.approve, note=payload.note)
    return _file(_staff_file(user, file_id))


@router.post(
    "/files/{file_id}/visit", response={200: AssistanceFileOut, **ERROR_RESPONSES}, summary="登记入户走访"
)
def assistance_visit(request: HttpRequest, file_id: int, payload: AssistanceVisitIn) -> Any:
    user = _console(request)
    f = _staff_file(user, file_id)
    services.file_visit(
        actor=user,
        file=f,
        visited_at=payload.visited_at,
        place=payload.place,
        visitors=payload.visitors,
        findings=payload.findings,
    )
    return _file(_staff_file(user, file_id))


@router.post(
    "/files/{file_id}/approve", response={200: AssistanceFileOut, **ERROR_RESPONSES}, summary="上级审批"
)
def assistance_approve(request: HttpRequest, file_id: int, payload: AssistanceDecisionIn) -> Any:
    user = _console(request)
    f = _staff_file(user, file_id)
    services.file_approve(actor=user, file=f, approve=payload.approve, note=payload.note)
    return _file(_staff_file(user, file_id))
