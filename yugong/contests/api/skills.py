"""Skills competitions API: registration, marking, problems, results.

No from __future__ import annotations: Ninja reads the annotations at import.
"""

from typing import Any

from django.http import HttpRequest
from ninja.responses import Status

from yugong.accounts.models import request_user
from yugong.core.errors import NotFound
from yugong.core.schemas import ERROR_RESPONSES
from yugong.orgs.access import access_union

from .. import selectors, skills
from ..models import Aspect, Entry, Stage, StageResult
from .router import router
from .schemas import CompetitionOut, EntryIn, EntryOut, MarkIn, MarkOut, ProblemOut, ResultRowOut


def _competition_out(c: Any) -> dict[str, Any]:
    return {
        "id": c.pk,
        "title": c.title,
        "organiser_id": c.organiser_id,
        "level": c.level,
        "trades": list(c.trades or []),
        "cross_region": c.cross_region,
        "mode": c.mode,
        "status": c.status,
        "quota_per_union": c.quota_per_union,
    }


@router.get("/competitions", response={200: list[CompetitionOut], **ERROR_RESPONSES}, summary="技能竞赛")
def competitions(request: HttpRequest) -> Any:
    return [
        _competition_out(c) for c in selectors.staff_competitions(request_user(request)).order_by("-id")[:100]
    ]


@router.post(
    "/competitions/{competition_id}/entries",
    response={201: EntryOut, **ERROR_RESPONSES},
    summary="报名（个人或团体）",
)
def competition_register(request: HttpRequest, competition_id: int, payload: EntryIn) -> Any:
    from ..models import Competition

    user = request_user(request)
    union = access_union(user, payload.union_id)
    competition = Competition.objects.select_related("organiser").filter(pk=competition_id).first()
    if competition is None:
        raise NotFound()
    entry = skills.entry_register(
        actor=user,
        competition=competition,
        union=union,
        kind=payload.kind,
        person_ids=payload.person_ids,
        team_name=payload.team_name,
    )
    return Status(
        201,
        {
            "id": entry.pk,
            "number": entry.number,
            "kind": entry.kind,
            "union_id": entry.union_id,
            "team_name": entry.team_name,
            "status": entry.status,
        },
    )


@router.post("/competitions/marks", response={200: MarkOut, **ERROR_RESPONSES}, summary="裁判评分")
def competition_mark(request: HttpRequest, payload: MarkIn) -> Any:
    aspect = (
        Aspect.objects.select_related("subitem__item__stage__competition")
        .filter(pk=payload.aspect_id)
        .first()
    )
    entry = Entry.objects.filter(pk=payload.entry_id).first()
    if aspect is None or entry is None:
        raise NotFound()
    mark = skills.mark_record(actor=request_user(request), aspect=aspect, entry=entry, value=payload.value)
    return {"id": mark.pk, "aspect_id": mark.aspect_id, "entry_id": mark.entry_id, "value": mark.value}


def _staff_stage(request: HttpRequest, stage_id: int) -> Stage:
    stage = Stage.objects.select_related("competition__organiser").filter(pk=stage_id).first()
    if stage is None:
        raise NotFound()
    selectors.staff_competition(request_user(request), stage.competition_id)
    return stage


@router.get(
    "/competitions/stages/{stage_id}/problems",
    response={200: list[ProblemOut], **ERROR_RESPONSES},
    summary="缺失评分与分差超过 1 分的评价分",
)
def stage_problems(request: HttpRequest, stage_id: int) -> Any:
    return [p.__dict__ for p in skills.stage_problems(_staff_stage(request, stage_id))]


@router.post(
    "/competitions/stages/{stage_id}/compute",
    response={200: list[ResultRowOut], **ERROR_RESPONSES},
    summary="计算成绩与排名",
)
def stage_compute(request: HttpRequest, stage_id: int) -> Any:
    skills.stage_compute(actor=request_user(request), stage=_staff_stage(request, stage_id))
    return _results(stage_id)


@router.get(
    "/competitions/stages/{stage_id}/results",
    response={200: list[ResultRowOut], **ERROR_RESPONSES},
    summary="成绩与排名",
)
def stage_results(request: HttpRequest, stage_id: int) -> Any:
    _staff_stage(request, stage_id)
    return _results(stage_id)


def _results(stage_id: int) -> list[dict[str, Any]]:
    return [
        {
            "entry_id": r.entry_id,
            "number": r.entry.number,
            "kind": r.entry.kind,
            "score": r.score,
            "written": r.written,
            "practical": r.practical,
            "rank": r.rank,
            "advanced": r.advanced,
        }
        for r in StageResult.objects.filter(stage_id=stage_id)
        .select_related("entry")
        .order_by("entry__kind", "rank")
    ]
