"""Honours API, mounted at /api/v1/honors/ (no ``from __future__ import annotations``: Ninja reads
the annotations at import). Staff operations go through the same services as the console pages."""

from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema

from yugong.accounts.models import request_user
from yugong.core.errors import PermissionDenied
from yugong.core.schemas import ERROR_RESPONSES
from yugong.members.models import Person
from yugong.orgs.access import access_union
from yugong.orgs.decorators import is_console_user

from . import selectors, services
from .models import Honour, Nomination, Objection, Talk

router = Router(tags=["honors"])


class HonorsRoundOut(Schema):
    id: int
    title: str
    kind: str
    level: str
    year: int
    union_id: int
    status: str
    deadline: Any
    notice_ends_at: Any = None


class HonorsNominationOut(Schema):
    id: int
    round_id: int
    union_id: int
    level_union_id: int
    nominee: str
    work_unit: str
    status: str


class HonorsNominateIn(Schema):
    union_id: int
    deeds: str = Field(..., max_length=5000)
    id_number: str = Field("", max_length=18)
    nominee: str = Field("", max_length=120)
    work_unit: str = Field("", max_length=200)


class HonorsReviewIn(Schema):
    approve: bool
    note: str = Field("", max_length=500)


class HonorsObjectionIn(Schema):
    reason: str = Field(..., max_length=500)


class HonorsObjectionOut(Schema):
    id: int
    nomination_id: int


class HonorsHonourOut(Schema):
    id: int
    kind: str
    level: str
    year: int
    union_id: int


class HonorsDeliverIn(Schema):
    audience: int = Field(..., ge=1, le=100000)
    record: str = Field(..., max_length=2000)


class HonorsTalkOut(Schema):
    id: int
    speaker_id: int
    union_id: int
    topic: str
    status: str
    audience: int


def _console(request: HttpRequest) -> Any:
    user = request_user(request)
    if not is_console_user(user):
        raise PermissionDenied()
    return user


def _round(r: Any) -> dict[str, Any]:
    return {
        "id": r.pk,
        "title": r.title,
        "kind": r.kind.code,
        "level": r.kind.level,
        "year": r.year,
        "union_id": r.union_id,
        "status": r.status,
        "deadline": r.deadline,
        "notice_ends_at": r.notice_ends_at,
    }


def _nomination(n: Nomination) -> dict[str, Any]:
    return {
        "id": n.pk,
        "round_id": n.round_id,
        "union_id": n.union_id,
        "level_union_id": n.level_union_id,
        "nominee": n.nominee,
        "work_unit": n.work_unit,
        "status": n.status,
    }


def _honour(h: Honour) -> dict[str, Any]:
    return {"id": h.pk, "kind": h.kind.code, "level": h.kind.level, "year": h.year, "union_id": h.union_id}


def _talk(t: Talk) -> dict[str, Any]:
    return {
        "id": t.pk,
        "speaker_id": t.speaker_id,
        "union_id": t.union_id,
        "topic": t.topic,
        "status": t.status,
        "audience": t.audience,
    }


@router.get(
    "/rounds", response={200: list[HonorsRoundOut], **ERROR_RESPONSES}, summary="可推荐与本单位组织的评选"
)
def honors_rounds(request: HttpRequest) -> Any:
    user = _console(request)
    managed = list(selectors.managed_rounds(user).order_by("-year", "-pk")[:100])
    seen = {r.pk for r in managed}
    return [_round(r) for r in managed + [r for r in selectors.open_rounds_for(user) if r.pk not in seen]]


@router.post(
    "/rounds/{round_id}/nominations",
    response={200: HonorsNominationOut, **ERROR_RESPONSES},
    summary="推荐",
)
def honors_nominate(request: HttpRequest, round_id: int, payload: HonorsNominateIn) -> Any:
    user = _console(request)
    r = next((x for x in selectors.open_rounds_for(user) if x.pk == round_id), None)
    if r is None:
        r = selectors.managed_round(user, round_id)
    union = access_union(user, payload.union_id)
    data = payload.dict()
    data.pop("union_id")
    return _nomination(services.nomination_submit(actor=user, round=r, union=union, **data))


@router.get(
    "/nominations/queue", response={200: list[HonorsNominationOut], **ERROR_RESPONSES}, summary="待审核推荐"
)
def honors_queue(request: HttpRequest) -> Any:
    return [_nomination(n) for n in selectors.review_queue(_console(request))[:100]]


@router.post(
    "/nominations/{nomination_id}/review",
    response={200: HonorsNominationOut, **ERROR_RESPONSES},
    summary="逐级审核推荐",
)
def honors_review(request: HttpRequest, nomination_id: int, payload: HonorsReviewIn) -> Any:
    user = _console(request)
    n = selectors.staff_nomination(user, nomination_id)
    return _nomination(
        services.nomination_review(actor=user, nomination=n, approve=payload.approve, note=payload.note)
    )


class HonorsWithdrawIn(Schema):
    note: str = Field(..., max_length=500)


@router.post(
    "/nominations/{nomination_id}/withdraw",
    response={200: HonorsNominationOut, **ERROR_RESPONSES},
    summary="推荐单位撤回推荐",
)
def honors_withdraw(request: HttpRequest, nomination_id: int, payload: HonorsWithdrawIn) -> Any:
    user = _console(request)
    n = selectors.staff_nomination(user, nomination_id)
    return _nomination(services.nomination_withdraw(actor=user, nomination=n, note=payload.note))


@router.get("/notice", response={200: list[HonorsNominationOut], **ERROR_RESPONSES}, summary="荣誉公示")
def honors_notice(request: HttpRequest) -> Any:
    return [_nomination(n) for n in selectors.on_notice()]


@router.post(
    "/notice/{nomination_id}/objections",
    response={200: HonorsObjectionOut, **ERROR_RESPONSES},
    summary="对公示对象提出异议",
)
def honors_object(request: HttpRequest, nomination_id: int, payload: HonorsObjectionIn) -> Any:
    n = selectors.notice_nomination(nomination_id)
    o: Objection = services.objection_raise(
        actor=request_user(request), nomination=n, reason_text=payload.reason
    )
    return {"id": o.pk, "nomination_id": o.nomination_id}


@router.get("/mine", response={200: list[HonorsHonourOut], **ERROR_RESPONSES}, summary="我的荣誉")
def honors_mine(request: HttpRequest) -> Any:
    person = Person.objects.filter(user=request_user(request)).first()
    return [_honour(h) for h in selectors.my_honours(person)]


@router.post(
    "/talks/{talk_id}/deliver", response={200: HonorsTalkOut, **ERROR_RESPONSES}, summary="登记劳模宣讲"
)
def honors_talk_deliver(request: HttpRequest, talk_id: int, payload: HonorsDeliverIn) -> Any:
    user = _console(request)
    talk = selectors.staff_talk(user, talk_id)
    return _talk(
        services.talk_deliver(actor=user, talk=talk, audience=payload.audience, record=payload.record)
    )
