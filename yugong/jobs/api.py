import datetime as dt
from typing import Literal, TypeVar

from django.db.models import Model, QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from pydantic import BaseModel

from yugong.accounts.models import request_user
from yugong.core.errors import NotFound
from yugong.core.schemas import ERROR_RESPONSES

from . import selectors, services
from .access import access_recruiter_employer
from .models import Intent, JobFair, JobPost, Resume

router = Router(tags=["jobs"])
M = TypeVar("M", bound=Model)


def _one(qs: QuerySet[M], pk: int) -> M:
    """One row of an already access-narrowed queryset; missing or outside answers 404."""
    obj = qs.filter(pk=pk).first()
    if obj is None:
        raise NotFound()
    return obj


# The values of JobPost.EmploymentType (tests pin that they agree).
EmploymentType = Literal["full_time", "part_time", "temporary", "flexible", "intern"]
EducationLevel = Literal["any", "junior", "senior", "college", "bachelor", "master"]


class JobPostOut(BaseModel):
    id: int
    title: str
    employer_id: int
    employer_name: str
    employment_type: str
    pay_min_fen: int
    pay_max_fen: int
    pay_period: str
    openings: int
    district: str
    address: str
    education: str
    occupation_code: str
    description: str
    requirements: str
    valid_through: dt.date | None
    fair_id: int | None
    status: str
    published_at: dt.datetime | None


def _post(p: JobPost) -> JobPostOut:
    return JobPostOut(
        id=p.pk,
        title=p.title,
        employer_id=p.employer_id,
        employer_name=p.employer.name,
        employment_type=p.employment_type,
        pay_min_fen=p.pay_min_fen,
        pay_max_fen=p.pay_max_fen,
        pay_period=p.pay_period,
        openings=p.openings,
        district=p.district,
        address=p.address,
        education=p.education,
        occupation_code=p.occupation_code,
        description=p.description,
        requirements=p.requirements,
        valid_through=p.valid_through,
        fair_id=p.fair_id,
        status=p.status,
        published_at=p.published_at,
    )


class JobSearchFilters(Schema):
    q: str = Field("", max_length=50, description="全文检索（岗位、单位、技能）")
    district: str = Field("", max_length=40)
    employment_type: EmploymentType | Literal[""] = ""
    pay_from_fen: int = Field(0, ge=0, le=100_000_000, description="最高薪酬不低于（分）")
    fair_id: int = Field(0, ge=0, description="只看某场招聘会的岗位")
    offset: int = Field(0, ge=0, le=10_000)
    limit: int = Field(20, ge=1, le=50)


@router.get("/posts", response={200: list[JobPostOut], **ERROR_RESPONSES}, auth=None, summary="搜索在招岗位")
def post_search(request: HttpRequest, filters: Query[JobSearchFilters]) -> object:
    found = selectors.search_posts(
        selectors.JobFilters(
            q=filters.q,
            district=filters.district,
            employment_type=filters.employment_type,
            pay_from_fen=filters.pay_from_fen,
            fair_id=filters.fair_id or None,
        ),
        limit=filters.limit,
        offset=filters.offset,
    )
    return [_post(p) for p in found]


@router.get("/posts/{post_id}", response={200: JobPostOut, **ERROR_RESPONSES}, auth=None, summary="岗位详情")
def post_detail(request: HttpRequest, post_id: int) -> object:
    return _post(selectors.public_post(post_id))


class JobFairOut(BaseModel):
    id: int
    kind: str
    title: str
    description: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    venue: str
    district: str
    stream_url: str
    union_id: int
    union_name: str
    booth_count: int


def _fair(f: JobFair) -> JobFairOut:
    return JobFairOut(
        id=f.pk,
        kind=f.kind,
        title=f.title,
        description=f.description,
        starts_at=f.starts_at,
        ends_at=f.ends_at,
        venue=f.venue,
        district=f.district,
        stream_url=f.stream_url,
        union_id=f.union_id,
        union_name=f.union.name,
        booth_count=getattr(f, "booth_count", 0),
    )


@router.get(
    "/fairs", response={200: list[JobFairOut], **ERROR_RESPONSES}, auth=None, summary="招聘会与直播带岗"
)
def fair_list(request: HttpRequest) -> object:
    return [_fair(f) for f in selectors.public_fairs()[:50]]


# --- worker -----------------------------------------------------------------------------------------


class JobResumeOut(BaseModel):
    id: int
    title: str
    name: str
    phone_masked: str
    education: str
    experience_years: int
    skills: str
    intro: str
    expected_pay_fen: int


def _resume(r: Resume) -> JobResumeOut:
    return JobResumeOut(
        id=r.pk,
        title=r.title,
        name=r.name,
        phone_masked=r.phone_masked,
        education=r.education,
        experience_years=r.experience_years,
        skills=r.skills,
        intro=r.intro,
        expected_pay_fen=r.expected_pay_fen,
    )


class JobResumeIn(Schema):
    title: str = Field(..., min_length=1, max_length=40)
    name: str = Field(..., min_length=1, max_length=40)
    phone: str = Field(..., min_length=1, max_length=20)
    education: EducationLevel = "any"
    experience_years: int = Field(0, ge=0, le=60)
    skills: str = Field("", max_length=200)
    intro: str = Field("", max_length=2000)
    expected_pay_fen: int = Field(0, ge=0, le=100_000_000)


@router.get("/resumes", response={200: list[JobResumeOut], **ERROR_RESPONSES}, summary="我的简历")
def resume_list(request: HttpRequest) -> object:
    return [_resume(r) for r in selectors.my_resumes(request.user)]


@router.post("/resumes", response={201: JobResumeOut, **ERROR_RESPONSES}, summary="新建简历")
def resume_create(request: HttpRequest, body: JobResumeIn) -> object:
    return Status(201, _resume(services.resume_save(actor=request_user(request), **body.dict())))


@router.put("/resumes/{resume_id}", response={200: JobResumeOut, **ERROR_RESPONSES}, summary="修改简历")
def resume_update(request: HttpRequest, resume_id: int, body: JobResumeIn) -> object:
    return _resume(services.resume_save(actor=request_user(request), resume_id=resume_id, **body.dict()))


class MyIntentOut(BaseModel):
    id: int
    post_id: int
    post_title: str
    employer_name: str
    resume_id: int
    status: str
    contact_shared: bool
    employer_note: str
    created_at: dt.datetime


def _my_intent(i: Intent) -> MyIntentOut:
    return MyIntentOut(
        id=i.pk,
        post_id=i.post_id,
        post_title=i.post.title,
        employer_name=i.post.employer.name,
        resume_id=i.resume_id,
        status=i.status,
        contact_shared=i.contact_shared,
        employer_note=i.employer_note,
        created_at=i.created_at,
    )


class JobIntentIn(Schema):
    post_id: int = Field(..., ge=1)
    resume_id: int = Field(..., ge=1)
    message: str = Field("", max_length=200)


@router.get("/intents", response={200: list[MyIntentOut], **ERROR_RESPONSES}, summary="我的求职意向")
def intent_mine(request: HttpRequest) -> object:
    return [_my_intent(i) for i in selectors.my_intents(request.user)[:100]]


def _mine(request: HttpRequest, intent_id: int) -> MyIntentOut:
    return _my_intent(_one(selectors.my_intents(request.user), intent_id))


@router.post("/intents", response={201: MyIntentOut, **ERROR_RESPONSES}, summary="投递求职意向")
def intent_send(request: HttpRequest, body: JobIntentIn) -> object:
    intent = services.intent_send(
        actor=request_user(request), post_id=body.post_id, resume_id=body.resume_id, message=body.message
    )
    return Status(201, _mine(request, intent.pk))


@router.post(
    "/intents/{intent_id}/{action}",
    response={200: MyIntentOut, **ERROR_RESPONSES},
    summary="确认达成意向 / 撤回 / 公开手机号",
)
def intent_act(
    request: HttpRequest, intent_id: int, action: Literal["confirm", "withdraw", "share"]
) -> object:
    service = {
        "confirm": services.intent_confirm,
        "withdraw": services.intent_withdraw,
        "share": services.intent_share_contact,
    }[action]
    service(actor=request_user(request), intent_id=intent_id)
    return _mine(request, intent_id)


# --- employer ---------------------------------------------------------------------------------------


class EmployerIntentOut(BaseModel):
    id: int
    post_id: int
    post_title: str
    name: str
    phone_masked: str
    contact_shared: bool
    education: str
    experience_years: int
    skills: str
    intro: str
    message: str
    status: str
    created_at: dt.datetime


class JobDecisionIn(Schema):
    agree: bool
    note: str = Field("", max_length=200)


class JobContactOut(BaseModel):
    phone: str


def _employer_intent(i: Intent) -> EmployerIntentOut:
    r = i.resume
    return EmployerIntentOut(
        id=i.pk,
        post_id=i.post_id,
        post_title=i.post.title,
        name=r.name,
        phone_masked=r.phone_masked,
        contact_shared=i.contact_shared,
        education=r.education,
        experience_years=r.experience_years,
        skills=r.skills,
        intro=r.intro,
        message=i.message,
        status=i.status,
        created_at=i.created_at,
    )


@router.get(
    "/employers/{employer_id}/intents",
    response={200: list[EmployerIntentOut], **ERROR_RESPONSES},
    summary="单位收到的求职意向（手机号打码）",
)
def employer_intents(request: HttpRequest, employer_id: int) -> object:
    employer = access_recruiter_employer(request.user, employer_id)
    return [_employer_intent(i) for i in selectors.employer_intents(employer)[:200]]


@router.post(
    "/employers/{employer_id}/intents/{intent_id}/decision",
    response={200: EmployerIntentOut, **ERROR_RESPONSES},
    summary="单位表示意向或回复暂不合适",
)
def employer_decide(request: HttpRequest, employer_id: int, intent_id: int, body: JobDecisionIn) -> object:
    employer = access_recruiter_employer(request.user, employer_id)
    intent = _one(selectors.employer_intents(employer), intent_id)
    services.intent_decide(actor=request_user(request), intent_id=intent.pk, agree=body.agree, note=body.note)
    return _employer_intent(_one(selectors.employer_intents(employer), intent_id))


@router.post(
    "/employers/{employer_id}/intents/{intent_id}/contact",
    response={200: JobContactOut, **ERROR_RESPONSES},
    summary="查看求职者手机号（求职者同意后；留审计记录）",
)
def employer_contact(request: HttpRequest, employer_id: int, intent_id: int) -> object:
    employer = access_recruiter_employer(request.user, employer_id)
    intent = _one(selectors.employer_intents(employer), intent_id)
    return JobContactOut(phone=services.intent_contact_view(actor=request_user(request), intent_id=intent.pk))


# --- union staff ------------------------------------------------------------------------------------


class JobReviewIn(Schema):
    approve: bool
    note: str = Field("", max_length=200)


@router.get(
    "/review/posts",
    response={200: list[JobPostOut], **ERROR_RESPONSES},
    summary="待审核与已审核的岗位（本级及下级）",
)
def review_list(
    request: HttpRequest, status: Literal["draft", "pending", "published", "rejected", "closed"] = "pending"
) -> object:
    return [_post(p) for p in selectors.staff_posts(request.user, status=status)[:100]]


@router.post("/review/posts/{post_id}", response={200: JobPostOut, **ERROR_RESPONSES}, summary="审核岗位")
def review_post(request: HttpRequest, post_id: int, body: JobReviewIn) -> object:
    post = selectors.staff_post(request.user, post_id)
    services.post_review(actor=request_user(request), post_id=post.pk, approve=body.approve, note=body.note)
    return _post(selectors.staff_post(request.user, post_id))
