"""Product pictures: the merchant uploads, the platform reviews them with the product.

An upload goes through ``yugong.core.images.store_picture`` (as news covers do): decoded by Pillow
as a JPEG, PNG or WebP within the size and pixel bounds (the file name and the browser's content
type are not trusted), stored with EXIF orientation applied under a random name through Django's
default storage (disk, or S3-compatible in production), with smaller renditions for ``srcset``
and its width and height recorded so pages reserve its box. The files are written *before* the
database transaction (storage may be a network call; no network I/O while holding a lock) and
deleted again when the transaction does not commit. Adding a picture sends the product back to
review like any other edit; removing one does not."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.translation import gettext as _

from yugong.accounts.models import User
from yugong.core.audit import audit_record
from yugong.core.errors import Conflict, NotFound
from yugong.core.images import delete_picture, store_picture

from ..access import _pk, access_merchant
from ..models import Product, ProductPicture, ReviewStatus

FIELD = "image"


def max_bytes() -> int:
    return int(getattr(settings, "TOURISM_PICTURE_MAX_BYTES", 5 * 1024 * 1024))


def max_pixels() -> int:
    return int(getattr(settings, "TOURISM_PICTURE_MAX_PIXELS", 40_000_000))


def max_per_product() -> int:
    return int(getattr(settings, "TOURISM_PICTURES_PER_PRODUCT", 9))


def _product_of(actor: User, merchant_id: Any, product_id: Any) -> Product:
    merchant = access_merchant(actor, merchant_id)  # another merchant's: 404
    product = Product.objects.filter(merchant=merchant, pk=_pk(product_id)).first()
    if product is None:
        raise NotFound()
    return product


def product_picture_add(*, actor: User, merchant_id: Any, product_id: Any, image: Any) -> ProductPicture:
    product = _product_of(actor, merchant_id, product_id)
    stored = store_picture(
        image,
        folder=f"tourism/products/{product.pk}",
        field=FIELD,
        label=_("产品图片"),
        max_bytes=max_bytes(),
        max_pixels=max_pixels(),
    )
    fmt = "PNG" if stored.name.endswith(".png") else "JPEG"
    size = default_storage.size(stored.name)
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
                image=stored.name,
                format=fmt,
                width=stored.width,
                height=stored.height,
                renditions={str(w): n for w, n in stored.renditions.items()},
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
        delete_picture(stored.all_names())
        raise
    return picture


@transaction.atomic
def product_picture_remove(*, actor: User, merchant_id: Any, product_id: Any, picture_id: Any) -> None:
    product = _product_of(actor, merchant_id, product_id)
    picture = ProductPicture.objects.select_for_update().filter(product=product, pk=_pk(picture_id)).first()
    if picture is None:
        raise NotFound()
    names = [picture.image.name, *picture.renditions.values()]
    picture.delete()
    audit_record(
        actor=actor,
        action="tourism.product_picture_remove",
        obj=product,
        extra={"picture": int(_pk(picture_id))},
    )
    transaction.on_commit(partial(delete_picture, names))
