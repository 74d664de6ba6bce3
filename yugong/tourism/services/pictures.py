"""Product pictures: the merchant uploads, the platform reviews them with the product.

An upload is checked to be what it says — decoded by Pillow as a JPEG, PNG or WebP within the size
and pixel bounds (the file name and the browser's content type are not trusted) — and stored under
a random name through Django's default storage (disk, or S3-compatible in production). The file is
written *before* the database transaction (storage may be a network call; no network I/O while
holding a lock) and deleted again when the transaction does not commit. Adding a picture sends the
product back to review like any other edit; removing one does not."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from yugong.core.audit import audit_record
from yugong.core.errors import Conflict, NotFound, ValidationFailed

from ..access import _pk, access_merchant
from ..models import Product, ProductPicture, ReviewStatus, product_picture_path

FIELD = "image"
FORMATS = {"JPEG", "PNG", "WEBP"}


def max_bytes() -> int:
    return int(getattr(settings, "TOURISM_PICTURE_MAX_BYTES", 5 * 1024 * 1024))


def max_pixels() -> int:
    return int(getattr(settings, "TOURISM_PICTURE_MAX_PIXELS", 40_000_000))


def max_per_product() -> int:
    return int(getattr(settings, "TOURISM_PICTURES_PER_PRODUCT", 9))


def _refuse(message: Any) -> ValidationFailed:
    return ValidationFailed(fields={FIELD: message})


def inspect_picture(upload: Any) -> tuple[str, int, int, int]:
    """(format, width, height, bytes) of an uploaded image, or ValidationFailed naming the field."""
    if upload is None:
        raise _refuse(_("请选择要上传的产品图片。"))
    size = int(getattr(upload, "size", 0) or 0)
    if size <= 0:
        raise _refuse(_("产品图片是空文件，请重新选择。"))
    if size > max_bytes():
        raise _refuse(
            _("产品图片不能超过 %(max)s MB（所选文件 %(got).1f MB）。")
            % {"max": max_bytes() // (1024 * 1024), "got": size / (1024 * 1024)}
        )
    try:
        upload.seek(0)
        with Image.open(upload) as img:
            fmt, (width, height) = str(img.format or ""), img.size
            if fmt not in FORMATS:
                raise _refuse(_("产品图片只能是 JPG、PNG 或 WebP 格式。"))
            if width * height > max_pixels():
                raise _refuse(
                    _("产品图片尺寸过大（%(w)s×%(h)s），请缩小到 %(n)s 万像素以内。")
                    % {"w": width, "h": height, "n": max_pixels() // 10000}
                )
            img.verify()  # reads the whole file: truncated or corrupt data fails here
    except ValidationFailed:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError, Warning):
        raise _refuse(_("所选文件不是有效的图片，请上传 JPG、PNG 或 WebP 格式的产品图片。")) from None
    finally:
        upload.seek(0)
    return fmt, width, height, size


def _product_of(actor: Any, merchant_id: Any, product_id: Any) -> Product:
    merchant = access_merchant(actor, merchant_id)  # another merchant's: 404
    product = Product.objects.filter(merchant=merchant, pk=_pk(product_id)).first()
    if product is None:
        raise NotFound()
    return product


def product_picture_add(*, actor: Any, merchant_id: Any, product_id: Any, image: Any) -> ProductPicture:
    product = _product_of(actor, merchant_id, product_id)
    fmt, width, height, size = inspect_picture(image)
    draft = ProductPicture(product=product, format=fmt)
    name = default_storage.save(product_picture_path(draft, ""), image)
    try:
        with transaction.atomic():
            locked = Product.objects.select_for_update().get(pk=product.pk)
            if ProductPicture.objects.filter(product=locked).count() >= max_per_product():
                raise Conflict(
                    _("每个产品最多 %(n)s 张图片，请先删除不用的图片。") % {"n": max_per_product()},
                    code="too_many_pictures",
                    fields={FIELD: _("图片数量已达上限。")},
                )
            picture = ProductPicture.objects.create(
                product=locked,
                image=name,
                format=fmt,
                width=width,
                height=height,
                size=size,
                uploaded_by=actor if getattr(actor, "pk", None) else None,
            )
            back_to_review = locked.status != ReviewStatus.PENDING
            if back_to_review:
                locked.status = ReviewStatus.PENDING
                locked.save(update_fields=["status"])
            audit_record(
                actor=actor,
                action="tourism.product_picture_add",
                obj=locked,
                extra={"picture": picture.pk, "format": fmt, "bytes": size, "review": back_to_review},
            )
    except BaseException:
        default_storage.delete(name)
        raise
    return picture


@transaction.atomic
def product_picture_remove(*, actor: Any, merchant_id: Any, product_id: Any, picture_id: Any) -> None:
    product = _product_of(actor, merchant_id, product_id)
    picture = ProductPicture.objects.select_for_update().filter(product=product, pk=_pk(picture_id)).first()
    if picture is None:
        raise NotFound()
    name = picture.image.name
    picture.delete()
    audit_record(
        actor=actor,
        action="tourism.product_picture_remove",
        obj=product,
        extra={"picture": int(_pk(picture_id))},
    )
    transaction.on_commit(partial(default_storage.delete, name))
