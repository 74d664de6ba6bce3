from django.http import HttpRequest
from ninja import Router, Status
from pydantic import BaseModel

from yugong.accounts.models import request_user
from yugong.core.schemas import ERROR_RESPONSES

from . import selectors, services
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
