import datetime as dt
from dataclasses import asdict

from django.core.files.storage import default_storage
from django.http import HttpRequest
from django.utils.translation import gettext
from ninja import File, Form, Router, Status
from ninja.files import UploadedFile
from pydantic import BaseModel, Field

from yugong.accounts.models import request_user
from yugong.core.context import client_ip
from yugong.core.errors import ValidationFailed
from yugong.core.pii import mask_name
from yugong.core.schemas import ERROR_RESPONSES

from . import days, kinds, photos, reading, selectors, services
from .models import SignUp
from .models_kinds import ActivityPhoto, PhotoTakedown, ReadingBook, Work

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


# --- the reading campaign (玫瑰书香) -------------------------------------------------------------------


class ReadingBookOut(BaseModel):
    id: int
    title: str
    author: str
    isbn: str
    page_count: int
    cover_url: str


def _book_out(b: ReadingBook) -> ReadingBookOut:
    return ReadingBookOut(
        id=b.pk,
        title=b.title,
        author=b.author,
        isbn=b.isbn,
        page_count=b.page_count,
        cover_url=default_storage.url(b.cover) if b.cover else "",
    )


@router.get(
    "/{activity_id}/reading/books",
    response={200: list[ReadingBookOut], **ERROR_RESPONSES},
    summary="读书活动书单",
)
def reading_books(request: HttpRequest, activity_id: int) -> object:
    return [_book_out(b) for b in reading.reading_campaign(activity_id).books.all()]


@router.post(
    "/{activity_id}/reading/books",
    response={201: ReadingBookOut, **ERROR_RESPONSES},
    summary="书单添加图书（ISBN 校验，封面可选）",
)
def reading_book_post(
    request: HttpRequest,
    activity_id: int,
    title: Form[str],
    author: Form[str],
    isbn: Form[str],
    page_count: Form[int] = 0,
    cover: File[UploadedFile] | None = None,
) -> object:
    book = reading.book_add(
        actor=request_user(request),
        activity_id=activity_id,
        title=title,
        author=author,
        isbn=isbn,
        page_count=page_count,
        cover=cover,
    )
    return Status(201, _book_out(book))


class ReadingLogIn(BaseModel):
    book_id: int
    minutes: int = Field(ge=1, le=reading.MAX_MINUTES_A_LOG)
    pages: int = Field(default=0, ge=0, le=reading.MAX_PAGES_A_LOG)
    day: str = Field(default="", max_length=10, description="YYYY-MM-DD；不填为今天")
    note: str = Field(default="", max_length=500)


class ReadingLogOut(BaseModel):
    id: int
    book_id: int
    day: str
    minutes: int
    pages: int
    created: bool


def _day(text: str) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValidationFailed(fields={"day": gettext("日期格式应为 YYYY-MM-DD。")}) from None


@router.post(
    "/{activity_id}/reading/logs",
    response={200: ReadingLogOut, **ERROR_RESPONSES},
    summary="记录阅读（同一本书每天一条，再记一次为更正）",
)
def reading_log_post(request: HttpRequest, activity_id: int, body: ReadingLogIn) -> object:
    result = reading.reading_log_record(
        actor=request_user(request),
        activity_id=activity_id,
        book_id=body.book_id,
        minutes=body.minutes,
        pages=body.pages,
        day=_day(body.day),
        note=body.note,
    )
    log = result.log
    return ReadingLogOut(
        id=log.pk,
        book_id=log.book_id,
        day=log.day.isoformat(),
        minutes=log.minutes,
        pages=log.pages,
        created=result.created,
    )


class ReadingBoardRowOut(BaseModel):
    rank: int
    name: str
    union: str
    books: int
    minutes: int
    essays: int


class ReadingBoardOut(BaseModel):
    readers: int
    books: int
    minutes: int
    pages: int
    essays: int
    rows: list[ReadingBoardRowOut]


@router.get(
    "/{activity_id}/reading/board",
    response={200: ReadingBoardOut, **ERROR_RESPONSES},
    summary="读书活动榜单（读书数、时长、读后感）",
)
def reading_board(request: HttpRequest, activity_id: int) -> object:
    activity = reading.reading_campaign(activity_id)
    totals = reading.campaign_totals(activity)
    return ReadingBoardOut(
        readers=totals.readers,
        books=totals.books,
        minutes=totals.minutes,
        pages=totals.pages,
        essays=totals.essays,
        rows=[
            ReadingBoardRowOut(
                rank=r.rank, name=r.name, union=r.union, books=r.books, minutes=r.minutes, essays=r.essays
            )
            for r in reading.campaign_board(activity)
        ],
    )


class ReadingEssayIn(BaseModel):
    title: str = Field(max_length=80)
    body: str = Field(max_length=reading.ESSAY_MAX_CHARS)
    book_id: int = Field(default=0, ge=0, description="书单中的图书；0 表示不指定")


class ReadingEssayOut(BaseModel):
    id: int
    title: str
    body: str
    book: str
    author: str  # masked
    status: str


def _essay_out(w: Work) -> ReadingEssayOut:
    return ReadingEssayOut(
        id=w.pk,
        title=w.title,
        body=w.body,
        book=w.book.title if w.book else "",
        author=mask_name(w.signup.person.name),
        status=w.status,
    )


@router.post(
    "/{activity_id}/reading/essays",
    response={201: ReadingEssayOut, **ERROR_RESPONSES},
    summary="提交读后感（审核后发布）",
)
def reading_essay_post(request: HttpRequest, activity_id: int, body: ReadingEssayIn) -> object:
    essay = reading.essay_submit(
        actor=request_user(request),
        activity_id=activity_id,
        title=body.title,
        body=body.body,
        book_id=body.book_id or None,
    )
    return Status(201, _essay_out(essay))


@router.get(
    "/{activity_id}/reading/essays",
    response={200: list[ReadingEssayOut], **ERROR_RESPONSES},
    summary="已发布的读后感（本活动面向的会员可读）",
)
def reading_essays(request: HttpRequest, activity_id: int) -> object:
    activity = reading.reading_campaign(activity_id)
    reading.require_essay_reader(request.user, activity)
    return [_essay_out(w) for w in reading.published_essays(activity)[:100]]


# --- photos of the day ---------------------------------------------------------------------------------


class ActivityPhotoOut(BaseModel):
    id: int
    url: str
    width: int
    height: int
    caption: str
    status: str


def _photo_out(p: ActivityPhoto) -> ActivityPhotoOut:
    return ActivityPhotoOut(
        id=p.pk,
        url=default_storage.url(p.picture),
        width=p.width,
        height=p.height,
        caption=p.caption,
        status=p.status,
    )


@router.post(
    "/{activity_id}/photos",
    response={201: ActivityPhotoOut, **ERROR_RESPONSES},
    summary="上传活动现场照片（确认画面中的人已同意公开；审核后展示）",
)
def photo_post(
    request: HttpRequest,
    activity_id: int,
    image: File[UploadedFile],
    consent: Form[bool] = False,
    caption: Form[str] = "",
) -> object:
    photo = photos.photo_upload(
        actor=request_user(request), activity_id=activity_id, image=image, caption=caption, consent=consent
    )
    return Status(201, _photo_out(photo))


@router.get(
    "/{activity_id}/photos",
    response={200: list[ActivityPhotoOut], **ERROR_RESPONSES},
    summary="活动现场照片（已发布）",
)
def photo_list(request: HttpRequest, activity_id: int) -> object:
    activity = selectors.public_activity(activity_id)
    return [_photo_out(p) for p in photos.published_photos(activity)[:100]]


@router.post(
    "/photos/{photo_id}/review",
    response={200: ActivityPhotoOut, **ERROR_RESPONSES},
    summary="审核活动现场照片",
)
def photo_review(request: HttpRequest, photo_id: int, body: ReviewIn) -> object:
    photo = photos.photo_review(
        actor=request_user(request), photo_id=photo_id, publish=body.publish, note=body.note
    )
    return _photo_out(photo)


class PhotoTakedownIn(BaseModel):
    reason: str = Field(max_length=300)


class PhotoTakedownOut(BaseModel):
    id: int
    photo_id: int
    status: str
    note: str


def _takedown_out(t: PhotoTakedown) -> PhotoTakedownOut:
    return PhotoTakedownOut(id=t.pk, photo_id=t.photo_id, status=t.status, note=t.note)


@router.post(
    "/photos/{photo_id}/takedown",
    response={201: PhotoTakedownOut, **ERROR_RESPONSES},
    summary="申请撤下有本人的照片（处理前不再展示）",
)
def photo_takedown(request: HttpRequest, photo_id: int, body: PhotoTakedownIn) -> object:
    asked = photos.photo_takedown_ask(actor=request_user(request), photo_id=photo_id, reason=body.reason)
    return Status(201, _takedown_out(asked))


class PhotoTakedownHandleIn(BaseModel):
    remove: bool
    note: str = Field(default="", max_length=200)


@router.post(
    "/photo-takedowns/{takedown_id}/handle",
    response={200: PhotoTakedownOut, **ERROR_RESPONSES},
    summary="处理照片撤下申请（撤下，或说明理由后保留）",
)
def photo_takedown_handle(request: HttpRequest, takedown_id: int, body: PhotoTakedownHandleIn) -> object:
    done = photos.photo_takedown_handle(
        actor=request_user(request), takedown_id=takedown_id, remove=body.remove, note=body.note
    )
    return _takedown_out(done)
