from django.http import HttpRequest
from ninja import Router, Schema

from yugong.core.schemas import ERROR_RESPONSES

from .models import request_user

router = Router(tags=["accounts"])


class MeOut(Schema):
    id: int
    username: str
    display_name: str
    phone_masked: str
    is_staff: bool
    admin_role: str


@router.get("/me", response={200: MeOut, **ERROR_RESPONSES}, summary="当前用户")
def me(request: HttpRequest) -> MeOut:
    user = request_user(request)
    return MeOut(
        id=user.pk,
        username=user.username,
        display_name=user.display_name,
        phone_masked=user.masked_phone,
        is_staff=user.is_staff,
        admin_role=user.admin_role,
    )
