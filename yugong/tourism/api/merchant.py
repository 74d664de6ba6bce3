"""Merchant admin: staff accounts and product pictures."""

import datetime as dt
from typing import Literal

from django.http import HttpRequest
from ninja import Field, File, Schema
from ninja.files import UploadedFile
from ninja.responses import Status

from yugong.accounts.models import request_user
from yugong.core.errors import NotFound
from yugong.core.pii import mask_phone
from yugong.core.schemas import ERROR_RESPONSES

from .. import selectors, services
from ..models import MerchantStaff, ProductPicture
from .base import router

_STAFF_ROLE_LABELS = dict(MerchantStaff.Role.choices)


class StaffOut(Schema):
    id: int
    user_id: int
    name: str
    username: str
    phone_masked: str
    role: str
    role_label: str
    active: bool
    created_at: dt.datetime


class StaffIn(Schema):
    login: str = Field(
        ..., min_length=1, max_length=150, description="对方的手机号或用户名（须已在平台登录过）"
    )
    role: Literal["owner", "staff", "gate"] = "staff"


class StaffPatch(Schema):
    role: Literal["owner", "staff", "gate"] | None = None
    active: Literal[False] | None = Field(None, description="false：停用该员工账号")


def _staff_out(row: MerchantStaff) -> StaffOut:
    user = row.user
    return StaffOut(
        id=row.pk,
        user_id=user.pk,
        name=user.display_name,
        username=user.username,
        phone_masked=mask_phone(user.phone) if user.phone else "",
        role=row.role,
        role_label=str(_STAFF_ROLE_LABELS.get(row.role, row.role)),
        active=row.active,
        created_at=row.created_at,
    )


@router.get(
    "/merchants/{merchant_id}/staff",
    response={200: list[StaffOut], **ERROR_RESPONSES},
    summary="商户员工账号（仅商户负责人或平台管理人员）",
)
def staff_list(request: HttpRequest, merchant_id: int) -> list[StaffOut]:
    merchant = services.staff.access_merchant_admin(request_user(request), merchant_id)
    return [_staff_out(row) for row in selectors.merchant_staff(merchant)]


@router.post(
    "/merchants/{merchant_id}/staff",
    response={201: StaffOut, **ERROR_RESPONSES},
    summary="添加商户员工（按手机号或用户名；已停用的重新启用）",
)
def staff_add(request: HttpRequest, merchant_id: int, payload: StaffIn) -> Status[StaffOut]:
    row = services.merchant_staff_add(
        actor=request_user(request), merchant_id=merchant_id, login=payload.login, role=payload.role
    )
    return Status(201, _staff_out(row))


@router.patch(
    "/merchants/{merchant_id}/staff/{staff_id}",
    response={200: StaffOut, **ERROR_RESPONSES},
    summary="调整员工岗位或停用员工账号",
)
def staff_change(request: HttpRequest, merchant_id: int, staff_id: int, payload: StaffPatch) -> StaffOut:
    actor = request_user(request)
    row = None
    if payload.role is not None:
        row = services.merchant_staff_set_role(
            actor=actor, merchant_id=merchant_id, staff_id=staff_id, role=payload.role
        )
    if payload.active is False:
        row = services.merchant_staff_deactivate(actor=actor, merchant_id=merchant_id, staff_id=staff_id)
    if row is None:
        merchant = services.staff.access_merchant_admin(actor, merchant_id)
        row = selectors.merchant_staff(merchant).filter(pk=staff_id).first()
        if row is None:
            raise NotFound()
    return _staff_out(row)


class PictureOut(Schema):
    id: int
    url: str
    format: str
    width: int
    height: int
    size: int
    product_status: str = Field(..., description="上传后产品回到待审核（pending）")


def _picture_out(picture: ProductPicture, product_status: str) -> PictureOut:
    return PictureOut(
        id=picture.pk,
        url=picture.image.url,
        format=picture.format,
        width=picture.width,
        height=picture.height,
        size=picture.size,
        product_status=product_status,
    )


@router.get(
    "/merchants/{merchant_id}/products/{product_id}/pictures",
    response={200: list[PictureOut], **ERROR_RESPONSES},
    summary="本商户产品的图片",
)
def picture_list(request: HttpRequest, merchant_id: int, product_id: int) -> list[PictureOut]:
    product = selectors.merchant_products(request_user(request), merchant_id).filter(pk=product_id).first()
    if product is None:
        raise NotFound()
    return [_picture_out(p, product.status) for p in product.pictures_list]  # type: ignore[attr-defined]


@router.post(
    "/merchants/{merchant_id}/products/{product_id}/pictures",
    response={201: PictureOut, **ERROR_RESPONSES},
    summary="上传产品图片（JPG/PNG/WebP，不超过 5 MB；产品重新审核）",
)
def picture_add(
    request: HttpRequest, merchant_id: int, product_id: int, image: File[UploadedFile]
) -> Status[PictureOut]:
    picture = services.product_picture_add(
        actor=request_user(request), merchant_id=merchant_id, product_id=product_id, image=image
    )
    return Status(201, _picture_out(picture, picture.product.status))


@router.delete(
    "/merchants/{merchant_id}/products/{product_id}/pictures/{picture_id}",
    response={204: None, **ERROR_RESPONSES},
    summary="删除产品图片",
)
def picture_remove(request: HttpRequest, merchant_id: int, product_id: int, picture_id: int) -> Status[None]:
    services.product_picture_remove(
        actor=request_user(request), merchant_id=merchant_id, product_id=product_id, picture_id=picture_id
    )
    return Status(204, None)
