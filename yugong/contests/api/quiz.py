"""Knowledge contests API: open contests, material, start / submit, leaderboards, my results; staff:
contests, union boards, question banks.

No from __future__ import annotations: Ninja reads the annotations at import.
"""

import datetime as dt
import json
from typing import Any, Literal

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import File, Form, Query
from ninja.files import UploadedFile
from ninja.responses import Status

from yugong.accounts.models import request_user
from yugong.core.errors import NotFound, ValidationFailed
from yugong.core.pii import mask_name
from yugong.core.schemas import ERROR_RESPONSES
from yugong.orgs import tree
from yugong.orgs.access import access_union, is_staff_member

from .. import selectors, services
from ..models import Attempt, Contest, ContestEntry, rank_key_parts
from ..quiz import contest_pool, leaderboard
from ..quiz.imports import question_bank_import
from .router import router
from .schemas import (
    AnswersIn,
    AttemptOut,
    BankOut,
    ContestDetailOut,
    ContestIn,
    ContestOut,
    LeaderboardOut,
    MyEntryOut,
    MyStatusOut,
    QueuedOut,
    ResultOut,
    UnionRowOut,
)


def _contest_out(c: Contest) -> dict[str, Any]:
    return {
        "id": c.pk,
        "title": c.title,
        "organiser_id": c.organiser_id,
        "organiser_name": c.organiser.name,
        "status": c.status,
        "starts_at": c.starts_at,
        "ends_at": c.ends_at,
        "question_count": c.question_count,
        "points_per_question": c.points_per_question,
        "time_limit_seconds": c.time_limit_seconds,
        "tries_per_day": c.tries_per_day,
        "score_rule": c.score_rule,
        "needs_material": c.needs_material,
        "material_title": c.material_title,
    }


_encoder = DjangoJSONEncoder()


def _iso(value: dt.datetime) -> str:
    """A datetime exactly as Ninja renders one (DjangoJSONEncoder: milliseconds, "Z" for UTC)."""
    return str(_encoder.default(value))


def _json(status: int, body: str) -> HttpResponse:
    return HttpResponse(body.encode(), status=status, content_type="application/json; charset=utf-8")


def attempt_response(attempt: Any, *, resumed: bool, status: int = 200) -> HttpResponse:
    """The paper (AttemptOut) rendered straight to JSON: the questions come from the pool's
    per-process cache of their serialized form (never the answers), so a start serializes only
    its own few fields. ``attempt``: an Attempt or an AttemptView."""
    from yugong.core.timeutil import now

    pool = contest_pool(attempt.contest_id)
    public = pool.public_json if pool is not None else {}
    questions = ",".join(public[q] for q in attempt.question_ids if q in public)
    head = json.dumps(
        {
            "id": attempt.pk,
            "contest_id": attempt.contest_id,
            "state": attempt.state,
            "started_at": _iso(attempt.started_at),
            "deadline": _iso(attempt.deadline),
            "seconds_left": max(0, int((attempt.deadline - now()).total_seconds())),
            "resumed": resumed,
        },
        separators=(",", ":"),
    )
    return _json(status, f'{head[:-1]},"questions":[{questions}]}}')


def result_response(sub: services.Submitted, user_id: int) -> HttpResponse:
    """ResultOut as JSON. The rank comes from the Redis round trip that wrote the result when
    there was one, else from the leaderboard."""
    a = sub.attempt
    rank = sub.rank
    if rank is None and sub.counted_key is not None:
        mine = leaderboard.my_rank(a.contest_id, user_id, key=sub.counted_key)
        rank = mine[0] if mine else None
    body = {
        "attempt_id": a.pk,
        "state": a.state,
        "already_submitted": sub.already,
        "correct": a.correct,
        "total": len(a.question_ids),
        "score": a.score or 0,
        "duration_ms": a.duration_ms or 0,
        "counted_score": sub.entry_score,
        "rank": rank,
    }
    return _json(200, json.dumps(body, separators=(",", ":")))


def my_status(contest: Contest, user: Any) -> dict[str, Any]:
    from yugong.core.timeutil import local_today

    entry = ContestEntry.objects.filter(contest=contest, user_id=user.pk).first()
    open_a = selectors.open_attempt(user, contest.pk)
    used = entry.day_tries if entry and entry.day == local_today() else 0
    mine = leaderboard.my_rank(contest.pk, user.pk) if entry and entry.rank_key is not None else None
    return {
        "material_read": bool(entry and entry.material_read_at) or not contest.needs_material,
        "tries_left_today": max(0, contest.tries_per_day - used),
        "attempts": entry.attempts if entry else 0,
        "score": entry.score if entry else None,
        "rank": mine[0] if mine else None,
        "open_attempt_id": open_a.pk if open_a else None,
    }


def _visible_contest(request: HttpRequest, contest_id: int) -> Contest:
    user = request_user(request)
    try:
        return selectors.contest_for_worker(user, contest_id)
    except NotFound:
        if is_staff_member(user):
            return selectors.staff_contest(user, contest_id)
        raise


# --- worker endpoints -------------------------------------------------------------------------


@router.get("/open", response={200: list[ContestOut], **ERROR_RESPONSES}, summary="向我开放的竞赛")
def contests_open(request: HttpRequest) -> Any:
    return [_contest_out(c) for c in selectors.contests_open_to(request_user(request))]


@router.get("/mine", response={200: list[MyEntryOut], **ERROR_RESPONSES}, summary="我的成绩")
def contests_mine(request: HttpRequest) -> Any:
    return [
        {
            "contest_id": e.contest_id,
            "title": e.contest.title,
            "score": e.score,
            "attempts": e.attempts,
            "scored_at": e.scored_at,
        }
        for e in selectors.my_entries(request_user(request))
    ]


@router.get(
    "/{contest_id}", response={200: ContestDetailOut, **ERROR_RESPONSES}, summary="竞赛详情与我的状态"
)
def contest_detail(request: HttpRequest, contest_id: int) -> Any:
    contest = _visible_contest(request, contest_id)
    return {
        **_contest_out(contest),
        "description": contest.description,
        "material_body": contest.material_body,
        "material_video": contest.material_video,
        "me": my_status(contest, request_user(request)),
    }


@router.post(
    "/{contest_id}/material", response={200: MyStatusOut, **ERROR_RESPONSES}, summary="我已阅读警示教育材料"
)
def contest_material(request: HttpRequest, contest_id: int) -> Any:
    contest = selectors.contest_for_worker(request_user(request), contest_id)
    services.material_confirm(user=request_user(request), contest_id=contest.pk)
    return my_status(contest, request_user(request))


@router.post(
    "/{contest_id}/attempts",
    response={200: AttemptOut, 201: AttemptOut, 202: QueuedOut, **ERROR_RESPONSES},
    summary="开始答题（已有未交答卷时返回该答卷）",
    description=(
        "201：新答卷；200：继续未交的答卷；202：排队中（同时开始的人太多），按 Retry-After 秒后"
        "带上 X-Queue-Ticket 请求头（202 返回的 ticket）重试，保留排队位置。"
        "题目不含答案；顺序由答卷的随机种子决定。"
    ),
)
def attempt_start(request: HttpRequest, contest_id: int) -> Any:
    user = request_user(request)
    admission = services.admit_start(
        contest_id=contest_id, user_id=user.pk, ticket=request.headers.get("X-Queue-Ticket")
    )
    if not admission.admitted:  # the waiting room: no database work beyond authentication
        body = {
            "queued": True,
            "retry_after": admission.retry_after,
            "position": admission.position,
            "ticket": admission.ticket,
            "message": _("排队中，前面约 %(n)s 人，系统将自动为您开始答题。") % {"n": admission.position},
        }
        response = _json(202, json.dumps(body, ensure_ascii=False, separators=(",", ":")))
        response["Retry-After"] = str(admission.retry_after)
        response["X-Queue-Ticket"] = admission.ticket
        return response
    started = services.attempt_start(user=user, contest_id=contest_id)
    return attempt_response(started.attempt, resumed=started.resumed, status=200 if started.resumed else 201)


@router.get(
    "/attempts/{attempt_id}", response={200: AttemptOut, **ERROR_RESPONSES}, summary="我的答卷（不含答案）"
)
def attempt_get(request: HttpRequest, attempt_id: int) -> Any:
    attempt = Attempt.objects.filter(pk=attempt_id, user_id=request_user(request).pk).first()
    if attempt is None:
        raise NotFound()
    return attempt_response(attempt, resumed=True)


@router.post(
    "/attempts/{attempt_id}/submit",
    response={200: ResultOut, **ERROR_RESPONSES},
    summary="交卷（幂等：重复提交只计一次分）",
    description="超过时限（含几秒网络宽限）的交卷被拒绝（409 late）。",
)
def attempt_submit(request: HttpRequest, attempt_id: int, payload: AnswersIn) -> Any:
    user = request_user(request)
    sub = services.attempt_submit(user=user, attempt_id=attempt_id, answers=dict(payload.answers))
    return result_response(sub, user.pk)


@router.post(
    "/{contest_id}/attempts/current/submit",
    response={200: ResultOut, **ERROR_RESPONSES},
    summary="交当前答卷（没有未交答卷时返回最近一次的成绩）",
)
def attempt_submit_current(request: HttpRequest, contest_id: int, payload: AnswersIn) -> Any:
    user = request_user(request)
    sub = services.attempt_submit_current(user=user, contest_id=contest_id, answers=dict(payload.answers))
    return result_response(sub, user.pk)


@router.get(
    "/{contest_id}/leaderboard",
    response={200: LeaderboardOut, **ERROR_RESPONSES},
    summary="个人排行榜与我的名次",
)
def contest_leaderboard(request: HttpRequest, contest_id: int, limit: int = Query(10, ge=0, le=200)) -> Any:
    contest = selectors.leaderboard_contest(request_user(request), contest_id)
    b = leaderboard.board(contest.pk, request_user(request).pk, limit)
    return leaderboard_response(contest.pk, b)


def leaderboard_response(contest_id: int, b: leaderboard.Board) -> HttpResponse:
    """LeaderboardOut rendered straight to JSON (a test checks it against the schema). Other
    participants' names are masked, as on the certificate check page (张*, 欧**明)."""
    body = {
        "contest_id": contest_id,
        "participants": b.participants,
        "top": [
            {
                "rank": r.rank,
                "user_id": r.user_id,
                "name": mask_name(r.name),
                "score": r.score,
                "seconds_used": r.tenths_used / 10,
            }
            for r in b.top
        ],
        "my_rank": b.mine[0] if b.mine else None,
        "my_score": rank_key_parts(b.mine[1])[0] if b.mine else None,
        "source": "redis" if leaderboard.redis_enabled() else "database",
    }
    return _json(200, json.dumps(body, ensure_ascii=False, separators=(",", ":")))


# --- staff endpoints --------------------------------------------------------------------------


@router.get(
    "/manage/contests", response={200: list[ContestOut], **ERROR_RESPONSES}, summary="本级及下级的知识竞赛"
)
def manage_contests(request: HttpRequest) -> Any:
    return [_contest_out(c) for c in selectors.staff_contests(request_user(request)).order_by("-id")[:100]]


@router.post("/manage/contests", response={201: ContestOut, **ERROR_RESPONSES}, summary="新建知识竞赛")
def manage_contest_create(request: HttpRequest, payload: ContestIn) -> Any:
    user = request_user(request)
    organiser = access_union(user, payload.organiser_id)
    bank = selectors.staff_banks(user).filter(pk=payload.bank_id).first()
    if bank is None:
        from ..models import QuestionBank

        bank = QuestionBank.objects.select_related("union").filter(pk=payload.bank_id).first()
        if bank is None or not tree.within(organiser.path, bank.union.path):
            raise ValidationFailed(fields={"bank_id": _("未找到该题库。")})
    data = payload.dict(exclude={"organiser_id", "bank_id"})
    contest = services.contest_create(actor=user, organiser=organiser, bank=bank, **data)
    return Status(201, _contest_out(contest))


@router.post(
    "/manage/contests/{contest_id}/publish", response={200: ContestOut, **ERROR_RESPONSES}, summary="发布竞赛"
)
def manage_contest_publish(request: HttpRequest, contest_id: int) -> Any:
    user = request_user(request)
    contest = services.contest_publish(actor=user, contest=selectors.staff_contest(user, contest_id))
    return _contest_out(contest)


@router.get(
    "/manage/contests/{contest_id}/unions",
    response={200: list[UnionRowOut], **ERROR_RESPONSES},
    summary="各单位参与率与平均分（含下级）",
)
def manage_union_board(
    request: HttpRequest,
    contest_id: int,
    parent: int | None = None,
    level: Literal["children", "district", "grassroots"] = "children",
    limit: int = Query(50, ge=1, le=500),
) -> Any:
    text = selectors.staff_union_board_json(
        request_user(request), contest_id, parent, level=level, limit=limit
    )
    return _json(200, text)


@router.get("/manage/banks", response={200: list[BankOut], **ERROR_RESPONSES}, summary="题库")
def manage_banks(request: HttpRequest) -> Any:
    from django.db.models import Count

    qs = selectors.staff_banks(request_user(request)).annotate(n=Count("questions")).order_by("-id")[:100]
    return [{"id": b.pk, "name": b.name, "union_id": b.union_id, "questions": b.n} for b in qs]


@router.post(
    "/manage/banks", response={201: BankOut, **ERROR_RESPONSES}, summary="从 Excel 导入题库（全部通过才导入）"
)
def manage_bank_import(
    request: HttpRequest,
    union_id: int = Form(...),
    name: str = Form(..., max_length=120),
    file: UploadedFile = File(...),  # noqa: B008
) -> Any:
    user = request_user(request)
    union = access_union(user, union_id)
    if file.size and file.size > 10 * 1024 * 1024:
        raise ValidationFailed(fields={"file": _("文件不能超过 10 MB。")})
    bank = question_bank_import(actor=user, union=union, name=name, data=file.read())
    return Status(
        201,
        {"id": bank.pk, "name": bank.name, "union_id": bank.union_id, "questions": bank.questions.count()},
    )


# --- skills competitions ----------------------------------------------------------------------
