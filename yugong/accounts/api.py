import datetime as dt

from django.contrib.auth import login
from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from yugong.core.context import client_ip
from yugong.core.schemas import ERROR_RESPONSES

from . import selectors, services
from .models import ApiToken, User, request_user

router = Router(tags=["accounts"])


class MeOut(Schema):
    id: int
    username: str
    display_name: str
    phone_masked: str
    is_staff: bool
    admin_role: str


def _me(user: User) -> MeOut:
    return MeOut(
        id=user.pk,
        username=user.username,
        display_name=user.display_name,
        phone_masked=user.masked_phone,
        is_staff=user.is_staff,
        admin_role=user.admin_role,
    )


@router.get("/me", response={200: MeOut, **ERROR_RESPONSES}, summary="当前用户")
def me(request: HttpRequest) -> MeOut:
    return _me(request_user(request))


# --- SMS sign-in ----------------------------------------------------------------------------


class SmsCodeIn(Schema):
    phone: str = Field(..., max_length=32, description="大陆手机号，11位")


class SmsCodeOut(Schema):
    phone_masked: str
    expires_in: int = Field(..., description="验证码有效秒数")
    resend_after: int = Field(..., description="多少秒后可重新获取")


class SmsLoginIn(Schema):
    phone: str = Field(..., max_length=32)
    code: str = Field(..., max_length=16, description="6位数字验证码")


@router.post(
    "/sms-codes",
    auth=None,
    response={202: SmsCodeOut, **ERROR_RESPONSES},
    summary="获取短信登录验证码",
)
def sms_code_create(request: HttpRequest, payload: SmsCodeIn) -> Status[SmsCodeOut]:
    sent = services.sms_code_request(phone=payload.phone, ip=client_ip(request.META))
    return Status(
        202,
        SmsCodeOut(
            phone_masked=sent.phone_masked, expires_in=sent.expires_in, resend_after=sent.resend_after
        ),
    )


@router.post(
    "/sms-login",
    auth=None,
    response={200: MeOut, **ERROR_RESPONSES},
    summary="短信验证码登录（建立会话）",
)
def sms_login(request: HttpRequest, payload: SmsLoginIn) -> MeOut:
    user = services.sms_code_verify_and_login(
        phone=payload.phone, code=payload.code, ip=client_ip(request.META)
    )
    login(request, user)
    return _me(user)


# --- API tokens -----------------------------------------------------------------------------


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None
    expires_at: dt.datetime | None = Field(None, description="到期时间；null 为吊销前一直有效")
    is_active: bool


class TokenIn(Schema):
    name: str = Field(..., max_length=200, description="用途，例如“数据同步脚本”")
    expires_in_days: int = Field(0, ge=0, le=3650, description="有效天数，0 为吊销前一直有效")


class TokenCreatedOut(TokenOut):
    token: str = Field(..., description="令牌明文，仅此一次显示，请妥善保存")


def _token_out(token: ApiToken) -> TokenOut:
    return TokenOut(
        id=token.pk,
        name=token.name,
        prefix=token.prefix,
        created_at=token.created_at,
        last_used_at=token.last_used_at,
        revoked_at=token.revoked_at,
        expires_at=token.expires_at,
        is_active=token.is_active,
    )


@router.get("/tokens", response={200: list[TokenOut], **ERROR_RESPONSES}, summary="我的API令牌")
def tokens_list(request: HttpRequest) -> list[TokenOut]:
    return [_token_out(t) for t in selectors.api_tokens_of(request_user(request))]


@router.post("/tokens", response={201: TokenCreatedOut, **ERROR_RESPONSES}, summary="签发API令牌")
def tokens_create(request: HttpRequest, payload: TokenIn) -> Status[TokenCreatedOut]:
    user = request_user(request)
    token, plaintext = services.api_token_create(
        actor=user, user=user, name=payload.name, expires_in_days=payload.expires_in_days
    )
    return Status(201, TokenCreatedOut(**_token_out(token).model_dump(), token=plaintext))


@router.delete("/tokens/{token_id}", response={204: None, **ERROR_RESPONSES}, summary="吊销API令牌")
def tokens_revoke(request: HttpRequest, token_id: int) -> Status[None]:
    user = request_user(request)
    token = selectors.api_token_of(user=user, token_id=token_id)
    services.api_token_revoke(actor=user, token=token)
    return Status(204, None)
