import datetime as dt
from typing import Literal

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from pydantic import BaseModel

from yugong.accounts.models import request_user
from yugong.core.errors import NotFound, ValidationFailed
from yugong.core.schemas import ERROR_RESPONSES
from yugong.orgs.models import Union

from . import selectors, services
from .cache import cache_seconds
from .models import Appeal, AppealEvent, Category, Complexity, Policy, Rating, Referral, choice_label
from .search import SEARCH_CACHE_SECONDS, faq_search, policy_search, search_page_key

router = Router(tags=["rights"])


class Out(BaseModel):
    """Output rows are plain pydantic models, built once by the functions below. A ninja ``Schema``
    wraps every object it validates in a ``DjangoGetter`` and validates again when the response is
    checked: for a 50-row queue that was ~2,300 attribute look-ups through the getter and a third of
    the request's CPU. The OpenAPI schema is the same."""


class AppealIn(Schema):
    channel: Literal["hotline", "h5", "walk_in"] = Field("h5", description="hotline/walk_in 须工作人员")
    category: Literal[tuple(Category.values)] = Field(..., description="诉求类别")  # type: ignore[valid-type]
    facts: str = Field(..., max_length=5000, description="事实与经过")
    subject: str = Field("", max_length=200)
    demand: str = Field("", max_length=2000)
    complexity: Literal[tuple(Complexity.values)] = "general"  # type: ignore[valid-type]
    caller_name: str = Field("", max_length=64)
    caller_phone: str = Field("", max_length=32)
    anonymous: bool = False
    employer_id: int | None = None
    employer_name: str = Field("", max_length=200)
    district: str = Field("", max_length=40)
    union_id: int | None = Field(None, description="接线员手工指定承办工会（须在其管辖范围内）")


class AppealOut(Out):
    id: int
    number: str
    channel: str
    category: str
    category_label: str
    complexity: str
    status: str
    status_label: str
    subject: str
    caller_name_masked: str
    caller_phone_masked: str
    anonymous: bool
    employer_name: str
    district: str
    union_id: int
    union_name: str
    due_at: dt.datetime | None
    due_kind: str
    created_at: dt.datetime
    concluded_at: dt.datetime | None
    closed_at: dt.datetime | None
    amount_recovered_fen: int
    rating: str


class EventOut(Out):
    kind: str
    kind_label: str
    at: dt.datetime
    text: str
    union_name: str
    actor: str


class StageOut(Out):
    seq: int
    union_id: int
    union_name: str
    level: str
    started_at: dt.datetime
    accept_due: dt.datetime | None
    conclude_due: dt.datetime | None
    accepted_at: dt.datetime | None
    concluded_at: dt.datetime | None
    transferred_at: dt.datetime | None
    end_reason: str
    paused: bool


class AppealDetailOut(AppealOut):
    facts: str
    demand: str
    outcome: str
    events: list[EventOut]
    stages: list[StageOut]


class AppealPage(Out):
    count: int
    items: list[AppealOut]


def _out(a: Appeal) -> AppealOut:
    return AppealOut(**selectors.appeal_row(a))


def _event(e: AppealEvent, *, staff: bool) -> EventOut:
    return EventOut(
        kind=e.kind,
        kind_label=choice_label(AppealEvent.Kind, e.kind),
        at=e.at,
        text=e.text,
        union_name=e.union.name if e.union else "",
        actor=e.actor_label if staff else "",
    )


def _detail(a: Appeal, *, staff: bool) -> AppealDetailOut:
    events = [_event(e, staff=staff) for e in selectors.appeal_timeline(a, public_only=not staff)]
    stages = [
        StageOut(
            seq=s.seq,
            union_id=s.union_id,
            union_name=s.union.name,
            level=s.level,
            started_at=s.started_at,
            accept_due=s.accept_due,
            conclude_due=s.conclude_due,
            accepted_at=s.accepted_at,
            concluded_at=s.concluded_at,
            transferred_at=s.transferred_at,
            end_reason=s.end_reason,
            paused=s.paused,
        )
        for s in selectors.appeal_stages(a)
    ]
    base = _out(a).model_dump()
    return AppealDetailOut(
        **base, facts=a.facts, demand=a.demand, outcome=a.outcome, events=events, stages=stages
    )


@router.post(
    "/appeals", response={201: AppealOut, **ERROR_RESPONSES}, summary="登记诉求（热线、来访或职工网上提交）"
)
def appeal_create(request: HttpRequest, payload: AppealIn) -> Status:
    user = request_user(request)
    union = None
    if payload.union_id is not None:
        union = Union.objects.filter(pk=payload.union_id).first()
        if union is None:
            raise NotFound()
    appeal = services.appeal_create(
        actor=user,
        channel=payload.channel,
        category=payload.category,
        facts=payload.facts,
        subject=payload.subject,
        demand=payload.demand,
        complexity=payload.complexity,
        caller_name=payload.caller_name,
        caller_phone=payload.caller_phone,
        anonymous=payload.anonymous,
        employer=payload.employer_id,
        employer_name=payload.employer_name,
        district=payload.district,
        union=union,
    )
    appeal.union = Union.objects.get(pk=appeal.union_id)
    return Status(201, _out(appeal))


@router.get("/appeals", response={200: AppealPage, **ERROR_RESPONSES}, summary="诉求列表（本级及下级）")
def appeal_list(
    request: HttpRequest,
    status: str = "",
    category: str = "",
    q: str = Query("", max_length=60),
    limit: int = Query(20, ge=1, le=100),
    offset: int = Query(0, ge=0, le=100000),
) -> AppealPage:
    qs = selectors.appeal_list(request_user(request), status=status, category=category, q=q)
    return AppealPage(count=qs.count(), items=[_out(a) for a in qs[offset : offset + limit]])


@router.get("/appeals/mine", response={200: list[AppealOut], **ERROR_RESPONSES}, summary="我的诉求（职工）")
def appeal_mine(request: HttpRequest) -> list[AppealOut]:
    return [_out(a) for a in selectors.worker_appeals(request_user(request))[:50]]


@router.get(
    "/appeals/mine/{appeal_id}",
    response={200: AppealDetailOut, **ERROR_RESPONSES},
    summary="我的诉求详情与进程",
)
def appeal_mine_detail(request: HttpRequest, appeal_id: int) -> AppealDetailOut:
    return _detail(selectors.worker_appeal_get(request_user(request), appeal_id), staff=False)


@router.get(
    "/appeals/{appeal_id}", response={200: AppealDetailOut, **ERROR_RESPONSES}, summary="诉求详情（工作人员）"
)
def appeal_detail(request: HttpRequest, appeal_id: int) -> AppealDetailOut:
    return _detail(selectors.appeal_get(request_user(request), appeal_id), staff=True)


class AcceptIn(Schema):
    complexity: Literal[tuple(Complexity.values)] | None = None  # type: ignore[valid-type]
    note: str = Field("", max_length=2000)


class TextIn(Schema):
    text: str = Field(..., max_length=5000)
    public: bool = False


class ReasonIn(Schema):
    reason: str = Field(..., max_length=2000)


class TransferIn(Schema):
    to_union_id: int
    reason: str = Field(..., max_length=300)


class ReferIn(Schema):
    kind: Literal[tuple(Referral.Kind.values)]  # type: ignore[valid-type]
    agency: str = Field(..., max_length=120)
    note: str = Field("", max_length=2000)
    outside_ref: str = Field("", max_length=64)
    lawyer: str = Field("", max_length=64, description="法律援助：承办律师")


class ConcludeIn(Schema):
    outcome: str = Field(..., max_length=5000)
    amount_recovered_fen: int = Field(0, ge=0, le=10**12)


class FollowUpIn(Schema):
    result: Literal["reached", "unreachable", "anonymous"]
    note: str = Field("", max_length=2000)
    rating: Literal["", "satisfied", "basically", "not_satisfied"] = ""


class RateIn(Schema):
    rating: Literal[tuple(Rating.values)]  # type: ignore[valid-type]
    comment: str = Field("", max_length=500)


class CallerOut(Schema):
    caller_name: str
    caller_phone: str


def _staff_appeal(request: HttpRequest, appeal_id: int) -> Appeal:
    return selectors.appeal_get(request_user(request), appeal_id)


def _reload(request: HttpRequest, appeal_id: int) -> AppealOut:
    return _out(selectors.appeal_get(request_user(request), appeal_id))


@router.post("/appeals/{appeal_id}/accept", response={200: AppealOut, **ERROR_RESPONSES}, summary="受理")
def appeal_accept(request: HttpRequest, appeal_id: int, payload: AcceptIn) -> AppealOut:
    a = _staff_appeal(request, appeal_id)
    services.appeal_accept(
        actor=request_user(request), appeal=a, complexity=payload.complexity, note=payload.note
    )
    return _reload(request, appeal_id)


@router.post("/appeals/{appeal_id}/notes", response={201: EventOut, **ERROR_RESPONSES}, summary="办理记录")
def appeal_note(request: HttpRequest, appeal_id: int, payload: TextIn) -> Status:
    a = _staff_appeal(request, appeal_id)
    ev = services.appeal_note(actor=request_user(request), appeal=a, text=payload.text, public=payload.public)
    ev.union = a.union
    return Status(201, _event(ev, staff=True))


@router.post(
    "/appeals/{appeal_id}/pause",
    response={200: AppealOut, **ERROR_RESPONSES},
    summary="等待职工补充（计时暂停）",
)
def appeal_pause(request: HttpRequest, appeal_id: int, payload: ReasonIn) -> AppealOut:
    services.appeal_pause(
        actor=request_user(request), appeal=_staff_appeal(request, appeal_id), reason=payload.reason
    )
    return _reload(request, appeal_id)


@router.post(
    "/appeals/{appeal_id}/resume",
    response={200: AppealOut, **ERROR_RESPONSES},
    summary="职工已补充（计时恢复）",
)
def appeal_resume(request: HttpRequest, appeal_id: int, payload: TextIn) -> AppealOut:
    user = request_user(request)
    try:
        a = selectors.worker_appeal_get(user, appeal_id)
    except NotFound:
        a = _staff_appeal(request, appeal_id)
    a = services.appeal_resume(actor=user, appeal=a, text=payload.text)
    a.union = Union.objects.get(pk=a.union_id)
    return _out(a)


@router.post(
    "/appeals/{appeal_id}/transfer",
    response={200: AppealOut, **ERROR_RESPONSES},
    summary="转办（上级、下级或同级）",
)
def appeal_transfer(request: HttpRequest, appeal_id: int, payload: TransferIn) -> AppealOut:
    appeal = _staff_appeal(request, appeal_id)
    target = Union.objects.filter(pk=payload.to_union_id).first()
    if target is None:
        raise ValidationFailed(fields={"to_union_id": _("目标工会不存在或已撤销。")})
    a = services.appeal_transfer(
        actor=request_user(request),
        appeal=appeal,
        to_union=target,
        reason=payload.reason,
    )
    return _out(a)


@router.post(
    "/appeals/{appeal_id}/referrals",
    response={201: AppealOut, **ERROR_RESPONSES},
    summary="移交法院、检察院、仲裁、人社、司法或四川工会",
)
def appeal_refer(request: HttpRequest, appeal_id: int, payload: ReferIn) -> Status:
    services.appeal_refer(
        actor=request_user(request),
        appeal=_staff_appeal(request, appeal_id),
        kind=payload.kind,
        agency=payload.agency,
        note=payload.note,
        outside_ref=payload.outside_ref,
        lawyer=payload.lawyer,
    )
    return Status(201, _reload(request, appeal_id))


@router.post("/appeals/{appeal_id}/conclude", response={200: AppealOut, **ERROR_RESPONSES}, summary="办结")
def appeal_conclude(request: HttpRequest, appeal_id: int, payload: ConcludeIn) -> AppealOut:
    services.appeal_conclude(
        actor=request_user(request),
        appeal=_staff_appeal(request, appeal_id),
        outcome=payload.outcome,
        amount_recovered_fen=payload.amount_recovered_fen,
    )
    return _reload(request, appeal_id)


@router.post("/appeals/{appeal_id}/follow-up", response={200: AppealOut, **ERROR_RESPONSES}, summary="回访")
def appeal_follow_up(request: HttpRequest, appeal_id: int, payload: FollowUpIn) -> AppealOut:
    a = services.appeal_follow_up(
        actor=request_user(request),
        appeal=_staff_appeal(request, appeal_id),
        result=payload.result,
        note=payload.note,
        rating=payload.rating,
    )
    a.union = Union.objects.get(pk=a.union_id)
    return _out(a)


@router.post(
    "/appeals/{appeal_id}/close", response={200: AppealOut, **ERROR_RESPONSES}, summary="结案（须已回访）"
)
def appeal_close(request: HttpRequest, appeal_id: int) -> AppealOut:
    services.appeal_close(actor=request_user(request), appeal=_staff_appeal(request, appeal_id))
    return _reload(request, appeal_id)


@router.post(
    "/appeals/mine/{appeal_id}/rating",
    response={200: AppealOut, **ERROR_RESPONSES},
    summary="职工评价（不满意则由上级复核）",
)
def appeal_rate(request: HttpRequest, appeal_id: int, payload: RateIn) -> AppealOut:
    user = request_user(request)
    a = services.appeal_rate(
        actor=user,
        appeal=selectors.worker_appeal_get(user, appeal_id),
        rating=payload.rating,
        comment=payload.comment,
    )
    a.union = Union.objects.get(pk=a.union_id)
    return _out(a)


@router.post(
    "/appeals/{appeal_id}/caller",
    response={200: CallerOut, **ERROR_RESPONSES},
    summary="查看诉求人完整信息（留痕）",
)
def appeal_reveal(request: HttpRequest, appeal_id: int) -> CallerOut:
    return CallerOut(
        **services.appeal_reveal_caller(actor=request_user(request), appeal=_staff_appeal(request, appeal_id))
    )


@router.get(
    "/queues/{kind}",
    response={200: AppealPage, **ERROR_RESPONSES},
    summary="临期/超期督办队列",
    description="最紧急的在前；count 最多计到 10000（超过时显示为 10000）。结果缓存至多10秒，诉求有任何办理操作即刷新。",
)
def appeal_queue(
    request: HttpRequest, kind: Literal["near", "overdue"], limit: int = Query(50, ge=1, le=200)
) -> HttpResponse:
    # Sent as the stored JSON (``selectors.queue_page_json``; a test checks it against AppealPage
    # and against the rows built through AppealOut).
    body = selectors.queue_page_json(request_user(request), kind=kind, limit=limit)
    return HttpResponse(body.encode(), content_type="application/json; charset=utf-8")


@router.get("/callers", response={200: list[AppealOut], **ERROR_RESPONSES}, summary="来电号码的历史诉求")
def caller_history(request: HttpRequest, phone: str = Query(..., max_length=32)) -> list[AppealOut]:
    return [_out(a) for a in selectors.caller_history(request_user(request), phone)]


class PolicyHitOut(Out):
    id: int
    title: str
    title_html: str = Field(..., description="HTML，已转义，匹配处以<mark>标出")
    issuer: str
    doc_number: str
    effective_on: dt.date | None
    snippet_html: str
    section_heading: str


class FaqHitOut(Out):
    id: int
    question_html: str
    answer_html: str


class PolicySearchOut(Out):
    q: str
    policies: list[PolicyHitOut]
    faqs: list[FaqHitOut]


@router.get(
    "/policies/search",
    auth=None,
    response={200: PolicySearchOut, **ERROR_RESPONSES},
    summary="查政策（中文全文检索）",
)
def policies_search(
    request: HttpRequest,
    q: str = Query(..., min_length=1, max_length=100),
    limit: int = Query(20, ge=1, le=50),
) -> PolicySearchOut:
    key = search_page_key(q, limit=limit)
    cached = cache.get(key)
    if isinstance(cached, dict):
        return PolicySearchOut.model_validate(cached)
    page = _policy_search_page(q, limit)
    cache.set(key, page.model_dump(), cache_seconds(SEARCH_CACHE_SECONDS))
    return page


def _policy_search_page(q: str, limit: int) -> PolicySearchOut:
    hits = policy_search(q, limit=limit)
    return PolicySearchOut(
        q=q,
        policies=[
            PolicyHitOut(
                id=h.policy.pk,
                title=h.policy.title,
                title_html=str(h.title),
                issuer=h.policy.issuer,
                doc_number=h.policy.doc_number,
                effective_on=h.policy.effective_on,
                snippet_html=str(h.snippet),
                section_heading=h.section.heading if h.section else "",
            )
            for h in hits
        ],
        faqs=[
            FaqHitOut(id=f.faq.pk, question_html=str(f.question), answer_html=str(f.answer))
            for f in faq_search(q)
        ],
    )


class SectionOut(Schema):
    seq: int
    heading: str
    body: str


class PolicyOut(Schema):
    id: int
    title: str
    issuer: str
    doc_number: str
    topic: str
    effective_on: dt.date | None
    expires_on: dt.date | None
    summary: str
    sections: list[SectionOut]


@router.get(
    "/policies/{policy_id}", auth=None, response={200: PolicyOut, **ERROR_RESPONSES}, summary="政策全文"
)
def policy_detail(request: HttpRequest, policy_id: int) -> PolicyOut:
    p = Policy.objects.filter(pk=policy_id, published=True).prefetch_related("sections").first()
    if p is None:
        raise NotFound()
    return PolicyOut(
        id=p.pk,
        title=p.title,
        issuer=p.issuer,
        doc_number=p.doc_number,
        topic=p.topic,
        effective_on=p.effective_on,
        expires_on=p.expires_on,
        summary=p.summary,
        sections=[SectionOut(seq=s.seq, heading=s.heading, body=s.body) for s in p.sections.all()],
    )
