"""Members API, mounted at /api/v1/members/ (no ``from __future__ import annotations``: Ninja reads
the annotations at import).

Workers: apply, their memberships, withdraw, leave, transfer, the card token. Staff: the member list
and search (scoped to their subtrees, masked), detail (``?reveal=1`` shows ID and phone in clear,
audited), approvals inbox, overdue list, decisions. Objects outside the caller's subtree are 404.
"""

import datetime as dt
import json
from typing import Literal

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from yugong.accounts.models import User, request_user
from yugong.core.audit import audit_record
from yugong.core.errors import NotFound, PermissionDenied, ValidationFailed
from yugong.core.schemas import ERROR_RESPONSES
from yugong.core.timeutil import now
from yugong.orgs.access import can_act, is_staff_member
from yugong.orgs.decorators import is_console_user
from yugong.orgs.models import Employer, Union

from . import pagecache, selectors, services
from .card import card_token_issue, card_token_read, card_token_seconds, card_verify_url
from .models import Membership, Person

router = Router(tags=["members"])


# --- Schemas --------------------------------------------------------------------------------


class PersonIn(Schema):
    name: str = Field(..., max_length=64, description="姓名")
    id_number: str = Field(..., max_length=32, description="身份证号（18位或15位旧号码）")
    phone: str | None = Field(None, max_length=32, description="手机号；不填则用当前账号的手机号")
    employment_form: str = Field("regular", max_length=16, description="就业形态")
    migrant_worker: bool = False
    education: str = Field("", max_length=16)
    occupation: str = Field("", max_length=64)
    employer_name: str = Field("", max_length=200)
    birth_date: dt.date | None = Field(None, description="出生日期（选填，须与身份证号一致）")
    sex: Literal["M", "F"] | None = Field(None, description="性别（选填，须与身份证号一致）")


class ApplyIn(Schema):
    person: PersonIn
    union_code: str | None = Field(None, max_length=32, description="扫码入会：工会编码")
    employer_id: int | None = Field(None, description="用人单位（入会申请转至该单位的基层工会）")
    district: str = Field("", max_length=40, description="新就业形态劳动者所在区县")
    channel: Literal["online", "scan", "staff"] = "online"
    note: str = Field("", max_length=500)


class MembershipOut(Schema):
    id: int
    status: str
    status_label: str
    channel: str
    union_id: int
    union_name: str
    member_no: str | None
    applied_at: dt.datetime | None
    due_at: dt.datetime | None
    decided_at: dt.datetime | None
    member_since: dt.date | None
    started_on: dt.date | None
    ended_on: dt.date | None
    reject_reason: str
    previous_id: int | None
    overdue: bool


class PersonOut(Schema):
    id: int
    name: str = Field(..., description="姓名（脱敏，查看完整信息时为明文）")
    phone: str
    id_number: str
    revealed: bool
    sex: str
    birth_year: int | None
    employment_form: str
    migrant_worker: bool
    education: str
    occupation: str
    employer_id: int | None
    employer_name: str


class MemberOut(MembershipOut):
    person: PersonOut


class MemberDetailOut(MemberOut):
    history: list[MembershipOut]


class MemberPageOut(Schema):
    items: list[MemberOut]
    next_after: int | None = Field(None, description="下一页游标：作为 after 参数传回")


class MemberFilters(Schema):
    q: str = Field("", max_length=64, description="姓名前缀、会员编号、手机后四位、手机号或身份证号")
    employer: str = Field("", max_length=200, description="工作单位名称前缀")
    employer_id: int | None = None
    status: str = Field("", max_length=16, description="空=会员（含暂停），all=全部，或具体状态")
    employment_form: str = Field("", max_length=16)
    migrant: bool | None = None
    union_id: int | None = Field(None, description="只看该工会及其下级")
    after: int | None = Field(None, description="游标：上一页最后一条的 id")
    limit: int = Field(50, ge=1, le=200)


class PageIn(Schema):
    after: int | None = None
    limit: int = Field(50, ge=1, le=200)


class MembershipReasonIn(Schema):
    reason: str = Field("", max_length=500)


class MembershipTransferIn(Schema):
    target_union_code: str = Field(..., max_length=32, description="转入工会编码")
    membership_id: int | None = Field(None, description="工作人员代办时指定会籍；职工本人不填")
    reason: str = Field("", max_length=500)


class CardTokenOut(Schema):
    token: str
    verify_url: str
    expires_at: dt.datetime
    expires_in: int


class CardVerifyOut(Schema):
    valid: bool
    full: bool = Field(..., description="是否在核验人管理范围内（范围外只返回最少信息）")
    name: str = Field(..., description="姓名（脱敏）")
    union_name: str
    member_no: str | None
    status: str | None
    member_since: dt.date | None


# --- Shaping --------------------------------------------------------------------------------


def _membership_out(m: Membership) -> MembershipOut:
    return MembershipOut(**_membership_fields(m))


def _membership_fields(
    m: Membership, *, labels: dict[str, str] | None = None, moment: dt.datetime | None = None
) -> dict:
    """``labels`` / ``moment``: the status labels and the time, computed once per page (a choice
    label looked up per row costs a translation per choice)."""
    moment = moment or now()
    return {
        "id": m.pk,
        "status": m.status,
        "status_label": labels[m.status] if labels else str(m.get_status_display()),
        "channel": m.channel,
        "union_id": m.union_id,
        "union_name": m.union.name,
        "member_no": m.member_no,
        "applied_at": m.applied_at,
        "due_at": m.due_at,
        "decided_at": m.decided_at,
        "member_since": m.member_since,
        "started_on": m.started_on,
        "ended_on": m.ended_on,
        "reject_reason": m.reject_reason,
        "previous_id": m.previous_id,
        "overdue": _overdue(m.status, m.due_at, moment),
    }


def _overdue(status: str, due_at: dt.datetime | None, moment: dt.datetime) -> bool:
    return bool(status == Membership.Status.PENDING and due_at and due_at < moment)


def _person_fields(p: Person, *, revealed: bool = False) -> dict:
    return {
        "id": p.pk,
        "name": p.name if revealed else p.masked_name,
        "phone": p.phone if revealed else p.masked_phone,
        "id_number": p.id_number if revealed else p.masked_id_number,
        "revealed": revealed,
        "sex": p.sex,
        "birth_year": p.birth_date.year if p.birth_date else None,
        "employment_form": p.employment_form,
        "migrant_worker": p.migrant_worker,
        "education": p.education,
        "occupation": p.occupation,
        "employer_id": p.employer_id,
        "employer_name": p.employer_name,
    }


def _row_item(r: selectors.MemberRow, *, labels: dict[str, str], moment: dt.datetime) -> dict:
    """A member list row (``MemberOut``) from a :class:`selectors.MemberRow`: the same JSON as
    ``_membership_fields`` + ``_person_fields`` give from model instances (the twin test checks
    it), without model instances, decryption or a second validation."""
    return {
        "id": r.pk,
        "status": r.status,
        "status_label": labels[r.status],
        "channel": r.channel,
        "union_id": r.union_id,
        "union_name": r.union_name,
        "member_no": r.member_no,
        "applied_at": r.applied_at,
        "due_at": r.due_at,
        "decided_at": r.decided_at,
        "member_since": r.member_since,
        "started_on": r.started_on,
        "ended_on": r.ended_on,
        "reject_reason": r.reject_reason,
        "previous_id": r.previous_id,
        "overdue": _overdue(r.status, r.due_at, moment),
        "person": {
            "id": r.person_id,
            "name": r.masked_name,
            "phone": r.phone_masked,
            "id_number": r.id_number_masked,
            "revealed": False,
            "sex": r.sex,
            "birth_year": r.birth_date.year if r.birth_date else None,
            "employment_form": r.employment_form,
            "migrant_worker": r.migrant_worker,
            "education": r.education,
            "occupation": r.occupation,
            "employer_id": r.employer_id,
            "employer_name": r.employer_name,
        },
    }


def _person_out(p: Person, *, revealed: bool = False) -> PersonOut:
    return PersonOut(**_person_fields(p, revealed=revealed))


def _page_body(page: selectors.Page | selectors.RowPage) -> bytes:
    """List pages are the hot path: the rows are built as plain data in the documented shape
    (MemberPageOut; the schema test fuzzes it) and encoded as they are. Building 50 nested Ninja
    schemas and validating them again cost more CPU than the query (measured at 5M members)."""
    labels = {value: str(label) for value, label in Membership.Status.choices}
    moment = now()
    if isinstance(page, selectors.RowPage):
        items = [_row_item(r, labels=labels, moment=moment) for r in page.rows]
    else:
        items = [
            {**_membership_fields(m, labels=labels, moment=moment), "person": _person_fields(m.person)}
            for m in page.rows
        ]
    return json.dumps(
        {"items": items, "next_after": page.next_after},
        cls=DjangoJSONEncoder,
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode()


def _page_out(page: selectors.Page | selectors.RowPage) -> HttpResponse:
    return _json_response(_page_body(page))


def _json_response(body: bytes) -> HttpResponse:
    return HttpResponse(body, content_type="application/json")


def _union_by_code(code: str, field: str) -> Union:
    union = Union.objects.filter(code=code.replace("\x00", "").strip().upper()).first()
    if union is None:
        raise ValidationFailed(fields={field: _("未找到该工会编码。")})
    return union


def _mine(request: HttpRequest, membership_id: int) -> Membership:
    row = next((m for m in selectors.my_memberships(request.user) if m.pk == membership_id), None)
    if row is None:
        raise NotFound()
    return row


# --- Worker ---------------------------------------------------------------------------------


@router.post(
    "/applications", response={201: MembershipOut, **ERROR_RESPONSES}, summary="申请入会（本人或工会代办）"
)
def apply(request: HttpRequest, payload: ApplyIn) -> Status[MembershipOut]:
    user = request_user(request)
    union = _union_by_code(payload.union_code, "union_code") if payload.union_code else None
    employer = None
    if payload.employer_id is not None:
        employer = Employer.objects.filter(pk=payload.employer_id).first()
        if employer is None:
            raise ValidationFailed(fields={"employer_id": _("未找到该用人单位。")})
    person = payload.person.model_dump()
    if person.get("phone") is None:
        person.pop("phone")
    for key in ("birth_date", "sex"):
        if person.get(key) is None:
            person.pop(key)
    m = services.membership_apply(
        actor=user,
        person_data=person,
        union=union,
        employer=employer,
        channel=payload.channel,
        district=payload.district,
        note=payload.note,
    )
    return Status(201, _membership_out(m))


@router.get("/mine", response={200: list[MembershipOut], **ERROR_RESPONSES}, summary="我的会籍记录")
def mine(request: HttpRequest) -> list[MembershipOut]:
    return [_membership_out(m) for m in selectors.my_memberships(request_user(request))]


@router.post(
    "/mine/{int:membership_id}/withdraw",
    response={200: MembershipOut, **ERROR_RESPONSES},
    summary="撤回我的申请",
)
def mine_withdraw(request: HttpRequest, membership_id: int) -> MembershipOut:
    m = services.membership_withdraw(actor=request_user(request), membership=_mine(request, membership_id))
    return _membership_out(m)


@router.post(
    "/mine/{int:membership_id}/leave",
    response={200: MembershipOut, **ERROR_RESPONSES},
    summary="本人申请退会",
)
def mine_leave(request: HttpRequest, membership_id: int, payload: MembershipReasonIn) -> MembershipOut:
    m = services.membership_leave(
        actor=request_user(request), membership=_mine(request, membership_id), reason=payload.reason
    )
    return _membership_out(m)


@router.post("/transfers", response={201: MembershipOut, **ERROR_RESPONSES}, summary="申请转会")
def transfer_request(request: HttpRequest, payload: MembershipTransferIn) -> Status[MembershipOut]:
    user = request_user(request)
    if payload.membership_id is not None:
        current = selectors.membership_get(user, payload.membership_id)
    else:
        found = selectors.my_current_membership(user)
        if found is None:
            raise ValidationFailed(message=_("您还不是会员，无需转会。"))
        current = found
    target = _union_by_code(payload.target_union_code, "target_union_code")
    m = services.membership_transfer_request(
        actor=user, membership=current, target=target, reason=payload.reason
    )
    return Status(201, _membership_out(m))


@router.get("/card-token", response={200: CardTokenOut, **ERROR_RESPONSES}, summary="电子会员卡二维码令牌")
def card_token(request: HttpRequest) -> CardTokenOut:
    m = selectors.my_current_membership(request_user(request))
    if m is None or m.status != Membership.Status.ACTIVE:
        raise NotFound(_("您还没有有效的会籍。"))
    token, expires = card_token_issue(m)
    return CardTokenOut(
        token=token,
        verify_url=card_verify_url(token, request),
        expires_at=expires,
        expires_in=card_token_seconds(),
    )


@router.get(
    "/cards/{token}", response={200: CardVerifyOut, **ERROR_RESPONSES}, summary="核验会员卡（工作人员）"
)
def card_verify(request: HttpRequest, token: str) -> CardVerifyOut:
    user = request_user(request)
    if not is_staff_member(user):
        raise PermissionDenied(_("只有工会工作人员可以核验会员卡。"))
    m = card_token_read(token)
    full = can_act(user, m.union)
    audit_record(
        actor=user, action="membership.card_verify", obj=m, union_id=m.union_id, extra={"full": full}
    )
    return CardVerifyOut(
        valid=m.status == Membership.Status.ACTIVE,
        full=full,
        name=m.person.masked_name,
        union_name=m.union.name,
        member_no=m.member_no if full else None,
        status=m.status if full else None,
        member_since=m.member_since if full else None,
    )


# --- Staff ----------------------------------------------------------------------------------


def _staff(request: HttpRequest) -> User:
    """Staff endpoints: a signed-in worker without any staff role gets 403, like the console pages
    (objects outside a staff member's subtree still answer 404 through the selectors)."""
    user = request_user(request)
    if not is_console_user(user):
        raise PermissionDenied()
    return user


@router.get("/", response={200: MemberPageOut, **ERROR_RESPONSES}, summary="会员列表与检索（本级及下级）")
def member_list(request: HttpRequest, filters: Query[MemberFilters]) -> HttpResponse:
    # The page query of selectors.member_search; its JSON comes from the page cache while no list
    # data changed (pagecache: keyed on the compiled query, checked against the write stamp).
    return _json_response(pagecache.member_page(_staff(request), filters.model_dump(), render=_page_body))


@router.get("/approvals", response={200: MemberPageOut, **ERROR_RESPONSES}, summary="待审批的入会与转会申请")
def approvals(request: HttpRequest, page: Query[PageIn], overdue: bool = False) -> HttpResponse:
    return _page_out(
        selectors.approvals_inbox(_staff(request), overdue_only=overdue, after=page.after, limit=page.limit)
    )


@router.get("/overdue", response={200: MemberPageOut, **ERROR_RESPONSES}, summary="下级工会超期未审的申请")
def overdue(request: HttpRequest, page: Query[PageIn]) -> HttpResponse:
    return _page_out(selectors.overdue_for(_staff(request), after=page.after, limit=page.limit))


@router.get(
    "/{int:membership_id}",
    response={200: MemberDetailOut, **ERROR_RESPONSES},
    summary="会员详情（脱敏；reveal=1 显示完整信息并记审计）",
)
def member_detail(request: HttpRequest, membership_id: int, reveal: bool = False) -> MemberDetailOut:
    user = _staff(request)
    m = selectors.membership_get(user, membership_id)
    if reveal:
        services.person_reveal(actor=user, membership=m)
    return MemberDetailOut(
        **_membership_fields(m),
        person=_person_out(m.person, revealed=reveal),
        history=[_membership_out(h) for h in selectors.person_history(m.person_id)],
    )


@router.post(
    "/{int:membership_id}/approve", response={200: MembershipOut, **ERROR_RESPONSES}, summary="通过申请"
)
def approve(request: HttpRequest, membership_id: int) -> MembershipOut:
    user = _staff(request)
    m = services.membership_approve(actor=user, membership=selectors.membership_get(user, membership_id))
    return _membership_out(m)


@router.post(
    "/{int:membership_id}/reject", response={200: MembershipOut, **ERROR_RESPONSES}, summary="驳回申请"
)
def reject(request: HttpRequest, membership_id: int, payload: MembershipReasonIn) -> MembershipOut:
    user = _staff(request)
    m = services.membership_reject(
        actor=user, membership=selectors.membership_get(user, membership_id), reason=payload.reason
    )
    return _membership_out(m)


@router.post(
    "/{int:membership_id}/transfer-approve",
    response={200: MembershipOut, **ERROR_RESPONSES},
    summary="同意转入（转入工会）",
)
def transfer_approve(request: HttpRequest, membership_id: int) -> MembershipOut:
    user = _staff(request)
    m = services.membership_transfer_approve(
        actor=user, membership=selectors.membership_get(user, membership_id)
    )
    return _membership_out(m)


@router.post(
    "/{int:membership_id}/suspend", response={200: MembershipOut, **ERROR_RESPONSES}, summary="暂停会籍"
)
def suspend(request: HttpRequest, membership_id: int, payload: MembershipReasonIn) -> MembershipOut:
    user = _staff(request)
    m = services.membership_suspend(
        actor=user, membership=selectors.membership_get(user, membership_id), reason=payload.reason
    )
    return _membership_out(m)


@router.post(
    "/{int:membership_id}/resume", response={200: MembershipOut, **ERROR_RESPONSES}, summary="恢复会籍"
)
def resume(request: HttpRequest, membership_id: int) -> MembershipOut:
    user = _staff(request)
    m = services.membership_resume(actor=user, membership=selectors.membership_get(user, membership_id))
    return _membership_out(m)


@router.post(
    "/{int:membership_id}/leave", response={200: MembershipOut, **ERROR_RESPONSES}, summary="办理退会"
)
def leave(request: HttpRequest, membership_id: int, payload: MembershipReasonIn) -> MembershipOut:
    user = _staff(request)
    m = services.membership_leave(
        actor=user, membership=selectors.membership_get(user, membership_id), reason=payload.reason
    )
    return _membership_out(m)
