from dataclasses import asdict

from django.http import HttpRequest
from ninja import Router, Status
from pydantic import BaseModel, Field

from yugong.accounts.models import request_user
from yugong.core.context import client_ip
from yugong.core.schemas import ERROR_RESPONSES

from . import days, kinds, selectors, services
from .models import SignUp

router = Router(tags=["activities"])


class ActivitySignupOut(BaseModel):
    id: int
    activity_id: int
    status: str
    pool: int


def _signup(s: SignUp) -> ActivitySignupOut:
    return ActivitySignupOut(id=s.pk, activity_id=s.activity_id, status=s.status, pool=s.pool)


@router.post(
    "/{activity_id}/signups",
    response={201: ActivitySignupOut, **ERROR_RESPONSES},
    summary="报名职工活动（本人，会员）",
)
def signup_post(request: HttpRequest, activity_id: int) -> object:
    return Status(201, _signup(services.signup_create(actor=request_user(request), activity_id=activity_id)))


@router.get("/mine", response={200: list[ActivitySignupOut], **ERROR_RESPONSES}, summary="我的活动报名")
def signup_mine(request: HttpRequest) -> object:
    return [_signup(s) for s in selectors.my_signups(request.user)[:100]]


# --- on the day and by kind --------------------------------------------------------------------------


class CheckinScanIn(BaseModel):
    client_id: str = Field(max_length=64)
    token: str = Field(max_length=500)
    scanned_at: str = Field(default="", max_length=40)


class SyncIn(BaseModel):
    scans: list[CheckinScanIn] = Field(max_length=days.MAX_BATCH)


class CheckinScanOut(BaseModel):
    client_id: str
    result: str  # checked_in | again | refused
    message: str
    signup: int | None = None


@router.post(
    "/{activity_id}/checkins/sync",
    response={200: list[CheckinScanOut], **ERROR_RESPONSES},
    summary="同步离线扫码签到（按扫码编号幂等）",
)
def checkin_sync(request: HttpRequest, activity_id: int, body: SyncIn) -> object:
    return days.checkin_sync(
        actor=request_user(request), activity_id=activity_id, scans=[s.model_dump() for s in body.scans]
    )


class VoteOut(BaseModel):
    id: int
    work_id: int
    day: str
    counted: bool


@router.post(
    "/works/{work_id}/votes", response={201: VoteOut, **ERROR_RESPONSES}, summary="为作品投票（每人每天一票）"
)
def vote_post(request: HttpRequest, work_id: int) -> object:
    vote = kinds.vote_cast(
        actor=request_user(request),
        work_id=work_id,
        ip=client_ip(request.META),
        device=str(request.headers.get("X-Device-Id", ""))[:200],
    )
    return Status(
        201, VoteOut(id=vote.pk, work_id=vote.work_id, day=vote.day.isoformat(), counted=not vote.flag)
    )


class CardOut(BaseModel):
    profile_id: int
    nickname: str
    intro: str
    i_am_interested: bool
    mutual: bool
    real_name: str
    contact: str


@router.get(
    "/{activity_id}/match/cards",
    response={200: list[CardOut], **ERROR_RESPONSES},
    summary="联谊资料卡（双方互有意向后才显示联系方式）",
)
def match_cards(request: HttpRequest, activity_id: int) -> object:
    return [
        CardOut(**asdict(c)) for c in kinds.match_cards(actor=request_user(request), activity_id=activity_id)
    ]


class InterestOut(BaseModel):
    mutual: bool


@router.post(
    "/{activity_id}/match/interest/{profile_id}",
    response={200: InterestOut, **ERROR_RESPONSES},
    summary="表达意向",
)
def match_interest(request: HttpRequest, activity_id: int, profile_id: int) -> object:
    mutual = kinds.match_interest(actor=request_user(request), activity_id=activity_id, target_id=profile_id)
    return InterestOut(mutual=mutual)


class FitnessIn(BaseModel):
    steps: int = Field(ge=0, le=100_000)
    distance_m: int = Field(ge=0, le=100_000)


class FitnessOut(BaseModel):
    day: str
    steps: int
    distance_m: int


@router.post(
    "/{activity_id}/fitness", response={200: FitnessOut, **ERROR_RESPONSES}, summary="健身打卡（步数、距离）"
)
def fitness_post(request: HttpRequest, activity_id: int, body: FitnessIn) -> object:
    entry = kinds.fitness_record(
        actor=request_user(request), activity_id=activity_id, steps=body.steps, distance_m=body.distance_m
    )
    return FitnessOut(day=entry.day.isoformat(), steps=entry.steps, distance_m=entry.distance_m)


# --- staff: review, survey, childcare attendance -------------------------------------------------------


class ReviewIn(BaseModel):
    publish: bool
    note: str = Field(default="", max_length=200)


class WorkOut(BaseModel):
    id: int
    status: str


@router.post(
    "/works/{work_id}/review", response={200: WorkOut, **ERROR_RESPONSES}, summary="审核参赛作品/征文"
)
def work_review(request: HttpRequest, work_id: int, body: ReviewIn) -> object:
    work = kinds.work_review(
        actor=request_user(request), work_id=work_id, publish=body.publish, note=body.note
    )
    return WorkOut(id=work.pk, status=work.status)


class QuestionIn(BaseModel):
    text: str = Field(max_length=200)
    kind: str = Field(max_length=8)
    options: list[str] = Field(default_factory=list, max_length=10)


class SurveyQuestionOut(BaseModel):
    id: int
    position: int


@router.post(
    "/{activity_id}/survey/questions",
    response={201: SurveyQuestionOut, **ERROR_RESPONSES},
    summary="添加问卷问题",
)
def survey_question_post(request: HttpRequest, activity_id: int, body: QuestionIn) -> object:
    q = days.survey_question_add(
        actor=request_user(request),
        activity_id=activity_id,
        text=body.text,
        kind=body.kind,
        options=body.options,
    )
    return Status(201, SurveyQuestionOut(id=q.pk, position=q.position))


class SurveyResultOut(BaseModel):
    question: str
    kind: str
    count: int
    average: float | None = None
    options: list[tuple[str, int]] = Field(default_factory=list)
    texts: list[str] = Field(default_factory=list)


@router.get(
    "/{activity_id}/survey/results",
    response={200: list[SurveyResultOut], **ERROR_RESPONSES},
    summary="问卷结果",
)
def survey_results(request: HttpRequest, activity_id: int) -> object:
    activity = selectors.staff_activity(request_user(request), activity_id)
    return [
        SurveyResultOut(
            question=r["question"].text,
            kind=r["question"].kind,
            count=r["count"],
            average=r.get("average"),
            options=r.get("options", []),
            texts=r.get("texts", []),
        )
        for r in days.survey_results(activity)
    ]


class AttendanceOut(BaseModel):
    first_time: bool


@router.post(
    "/children/{enrolment_id}/attendance",
    response={200: AttendanceOut, **ERROR_RESPONSES},
    summary="托管儿童当日签到",
)
def child_attendance(request: HttpRequest, enrolment_id: int) -> object:
    return AttendanceOut(
        first_time=kinds.child_attendance_mark(actor=request_user(request), enrolment_id=enrolment_id)
    )
