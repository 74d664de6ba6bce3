"""A merchant's admin manages the merchant's staff accounts; merchants upload product pictures
that are reviewed with the product. Services (rules, audit), HTTP (console page, API) and scope
(another merchant's objects are 404)."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from tests.helpers import UserFactory, assert_max_queries
from yugong.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from yugong.core.models import AuditEvent
from yugong.tourism.access import merchant_ids
from yugong.tourism.models import MerchantStaff, ProductPicture, ReviewStatus
from yugong.tourism.services import (
    merchant_staff_add,
    merchant_staff_deactivate,
    merchant_staff_set_role,
    product_picture_add,
    product_picture_remove,
    product_review,
)

from .factories import World, make_product, make_session

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path)


def _client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _image(fmt: str = "PNG", size: tuple[int, int] = (64, 48), name: str = "pic.png") -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buf, format=fmt)
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/png")


# --- Staff accounts: services -------------------------------------------------------------


def test_owner_adds_staff_by_mobile_number_or_username(world: World) -> None:
    by_phone = UserFactory(phone="13800138001", display_name="王检票")
    by_name = UserFactory(username="li_clerk")
    row = merchant_staff_add(
        actor=world.merchant_staff, merchant_id=world.merchant.pk, login="138 0013 8001", role="gate"
    )
    assert (row.user_id, row.role, row.active) == (by_phone.pk, "gate", True)
    row2 = merchant_staff_add(actor=world.merchant_staff, merchant_id=world.merchant.pk, login="li_clerk")
    assert row2.user_id == by_name.pk and row2.role == "staff"
    assert world.merchant.pk in merchant_ids(by_name)
    events = AuditEvent.objects.filter(action="tourism.merchant_staff_add", object_id=str(world.merchant.pk))
    assert events.count() == 2 and events.first().actor_id == world.merchant_staff.pk


def test_unknown_accounts_are_refused_naming_the_field(world: World) -> None:
    for login, text in (("13900000000", "手机号"), ("nobody", "用户名"), ("  ", "请填写")):
        with pytest.raises(ValidationFailed) as err:
            merchant_staff_add(actor=world.merchant_staff, merchant_id=world.merchant.pk, login=login)
        assert text in str(err.value.fields["login"][0])
    with pytest.raises(ValidationFailed) as err:
        merchant_staff_add(
            actor=world.merchant_staff,
            merchant_id=world.merchant.pk,
            login=world.worker.username,
            role="boss",
        )
    assert "岗位" in str(err.value.fields["role"][0])


def test_only_the_merchants_admin_manages_and_only_its_own(world: World) -> None:
    clerk = UserFactory(username="clerk")
    merchant_staff_add(actor=world.merchant_staff, merchant_id=world.merchant.pk, login="clerk")
    # A clerk of this merchant: refused (403); the other merchant's owner: not found (404).
    with pytest.raises(PermissionDenied):
        merchant_staff_add(actor=clerk, merchant_id=world.merchant.pk, login=world.worker.username)
    with pytest.raises(NotFound):
        merchant_staff_add(actor=world.other_staff, merchant_id=world.merchant.pk, login="clerk")
    mine = MerchantStaff.objects.get(merchant=world.merchant, user=clerk)
    with pytest.raises(NotFound):  # a staff row of another merchant, through one's own merchant
        merchant_staff_deactivate(
            actor=world.other_staff, merchant_id=world.other_merchant.pk, staff_id=mine.pk
        )
    # Platform staff over the merchant may.
    merchant_staff_set_role(
        actor=world.platform, merchant_id=world.merchant.pk, staff_id=mine.pk, role="gate"
    )
    assert MerchantStaff.objects.get(pk=mine.pk).role == "gate"


def test_role_change_and_deactivation_take_effect_and_are_audited(world: World) -> None:
    clerk = UserFactory(username="clerk")
    row = merchant_staff_add(actor=world.merchant_staff, merchant_id=world.merchant.pk, login="clerk")
    merchant_staff_set_role(
        actor=world.merchant_staff, merchant_id=world.merchant.pk, staff_id=row.pk, role="owner"
    )
    assert world.merchant.pk in merchant_ids(clerk, roles={"owner"})
    merchant_staff_deactivate(actor=world.merchant_staff, merchant_id=world.merchant.pk, staff_id=row.pk)
    fresh = type(clerk).objects.get(pk=clerk.pk)
    assert merchant_ids(fresh) == []
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"tourism.merchant_staff_role", "tourism.merchant_staff_deactivate"} <= actions
    # Re-adding re-activates the same row.
    again = merchant_staff_add(actor=world.merchant_staff, merchant_id=world.merchant.pk, login="clerk")
    assert again.pk == row.pk and again.active


def test_the_last_owner_stays(world: World) -> None:
    owner_row = MerchantStaff.objects.get(merchant=world.merchant, user=world.merchant_staff)
    with pytest.raises(Conflict) as err:
        merchant_staff_deactivate(
            actor=world.merchant_staff, merchant_id=world.merchant.pk, staff_id=owner_row.pk
        )
    assert err.value.code == "last_owner" and "负责人" in str(err.value.message)
    with pytest.raises(Conflict):
        merchant_staff_set_role(
            actor=world.merchant_staff, merchant_id=world.merchant.pk, staff_id=owner_row.pk, role="staff"
        )
    assert MerchantStaff.objects.get(pk=owner_row.pk).role == "owner"


# --- Staff accounts: HTTP -----------------------------------------------------------------


def test_staff_console_page(world: World) -> None:
    UserFactory(username="clerk", display_name="小李")
    url = reverse("tourism:m_staff", args=[world.merchant.pk])
    owner = _client(world.merchant_staff)
    page = owner.get(url)
    assert page.status_code == 200 and "员工账号" in page.content.decode()
    added = owner.post(url, {"login": "clerk", "role": "gate"})
    assert added.status_code == 302
    row = MerchantStaff.objects.get(merchant=world.merchant, user__username="clerk")
    assert row.role == "gate"
    refused = owner.post(url, {"login": "13911112222", "role": "staff"})
    assert refused.status_code == 200 and "该手机号还没有在平台登录过" in refused.content.decode()
    role_url = reverse("tourism:m_staff_role", args=[world.merchant.pk, row.pk])
    assert owner.post(role_url, {"role": "staff"}).status_code == 302
    assert owner.get(role_url).status_code == 405
    off_url = reverse("tourism:m_staff_deactivate", args=[world.merchant.pk, row.pk])
    assert owner.post(off_url).status_code == 302
    assert not MerchantStaff.objects.get(pk=row.pk).active
    # Another merchant's admin: 404; a clerk of this merchant: 403.
    assert _client(world.other_staff).get(url).status_code == 404
    clerk = UserFactory()
    MerchantStaff.objects.create(merchant=world.merchant, user=clerk, role="staff")
    assert _client(clerk).get(url).status_code == 403
    # The tab shows only to the admin.
    products = reverse("tourism:m_products", args=[world.merchant.pk])
    assert url in owner.get(products).content.decode()
    assert url not in _client(clerk).get(products).content.decode()


@pytest.mark.parametrize("rows", [3, 30])
def test_staff_page_and_api_query_counts_stay_flat(world: World, rows: int) -> None:
    for _ in range(rows):
        MerchantStaff.objects.create(merchant=world.merchant, user=UserFactory(phone=""), role="gate")
    owner = _client(world.merchant_staff)
    for url in (
        reverse("tourism:m_staff", args=[world.merchant.pk]),
        f"/api/v1/tourism/merchants/{world.merchant.pk}/staff",
    ):
        owner.get(url)
        with assert_max_queries(10):
            assert owner.get(url).status_code == 200


def test_staff_api(world: World) -> None:
    UserFactory(username="clerk", phone="13800138002")
    owner = _client(world.merchant_staff)
    base = f"/api/v1/tourism/merchants/{world.merchant.pk}/staff"
    made = owner.post(
        base, json.dumps({"login": "13800138002", "role": "gate"}), content_type="application/json"
    )
    assert made.status_code == 201, made.content
    body = made.json()
    assert body["role"] == "gate" and body["phone_masked"] == "138****8002" and body["active"] is True
    listed = owner.get(base).json()
    assert {r["username"] for r in listed} >= {"clerk"}
    changed = owner.patch(
        f"{base}/{body['id']}",
        json.dumps({"role": "staff", "active": False}),
        content_type="application/json",
    )
    assert (
        changed.status_code == 200 and changed.json()["active"] is False and changed.json()["role"] == "staff"
    )
    unknown = owner.post(base, json.dumps({"login": "ghost"}), content_type="application/json")
    assert unknown.status_code == 422 and "login" in unknown.json()["fields"]
    other = _client(world.other_staff)
    assert other.get(base).status_code == 404
    assert (
        other.patch(
            f"{base}/{body['id']}", json.dumps({"active": False}), content_type="application/json"
        ).status_code
        == 404
    )


# --- Product pictures -----------------------------------------------------------------------


def test_upload_stores_the_picture_and_sends_the_product_to_review(world: World) -> None:
    assert world.product.status == ReviewStatus.APPROVED
    picture = product_picture_add(
        actor=world.merchant_staff, merchant_id=world.merchant.pk, product_id=world.product.pk, image=_image()
    )
    # Stored through yugong.core.images: an opaque picture is kept as JPEG, its size recorded.
    assert (picture.format, picture.width, picture.height) == ("JPEG", 64, 48)
    assert picture.image.name.startswith(
        f"tourism/products/{world.product.pk}/"
    ) and picture.image.name.endswith(".jpg")
    assert "pic" not in picture.image.name  # the uploaded name is not used
    assert default_storage.exists(picture.image.name)
    world.product.refresh_from_db()
    assert world.product.status == ReviewStatus.PENDING
    assert AuditEvent.objects.filter(
        action="tourism.product_picture_add", object_id=str(world.product.pk)
    ).exists()
    # Off sale until reviewed; the reviewer sees the picture.
    assert Client().get(reverse("tourism:product", args=[world.product.pk])).status_code == 404
    review = _client(world.platform).get(reverse("tourism:p_products"))
    assert picture.image.url in review.content.decode()
    product_review(actor=world.platform, product=world.product, approve=True)
    page = Client().get(reverse("tourism:product", args=[world.product.pk])).content.decode()
    assert picture.image.url in page
    listing = Client().get(reverse("tourism:home")).content.decode()
    assert 'data-testid="product-cover"' in listing and picture.image.url in listing
    detail = Client().get(f"/api/v1/tourism/products/{world.product.pk}").json()
    assert detail["pictures"][0] == picture.image.url and detail["cover"] == picture.image.url


def test_a_large_picture_gets_renditions_srcset_and_its_size_on_the_pages(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    """Issue 13 item 9: the pages reserve the picture's box (width/height), phones pick a smaller
    rendition (srcset/sizes), the first picture loads at once and the ones below lazily."""
    args = {"actor": world.merchant_staff, "merchant_id": world.merchant.pk, "product_id": world.product.pk}
    big = product_picture_add(**args, image=_image("JPEG", size=(1200, 800), name="big.jpg"))
    small = product_picture_add(**args, image=_image())
    assert (big.width, big.height) == (1200, 800) and set(big.renditions) == {"480", "960"}
    names = [big.image.name, *big.renditions.values()]
    for name in names:
        assert default_storage.exists(name)
    with default_storage.open(big.renditions["480"]) as f, Image.open(f) as img:
        assert img.size == (480, 320)
    assert small.renditions == {}  # smaller than every rendition width
    product_review(actor=world.platform, product=world.product, approve=True)
    page = Client().get(reverse("tourism:product", args=[world.product.pk])).content.decode()
    r480 = default_storage.url(big.renditions["480"])
    assert f'srcset="{r480} 480w, ' in page and 'sizes="(max-width: 600px) 100vw, 600px"' in page
    assert 'width="1200" height="800"' in page and 'width="64" height="48"' in page
    first, second = page.split('data-testid="product-picture"')[:2]
    assert 'fetchpriority="high"' in first.rsplit("<img", 1)[1]
    assert 'loading="lazy"' in second.rsplit("<img", 1)[1]
    listing = Client().get(reverse("tourism:home")).content.decode()
    assert 'width="1200" height="800"' in listing and r480 in listing
    with django_capture_on_commit_callbacks(execute=True):
        product_picture_remove(**args, picture_id=big.pk)
    for name in names:
        assert not default_storage.exists(name)  # the renditions go with the picture


@pytest.mark.parametrize(
    ("upload", "text"),
    [
        (SimpleUploadedFile("fake.jpg", b"not an image at all", content_type="image/jpeg"), "不是有效的图片"),
        (None, "请选择"),
        (SimpleUploadedFile("empty.png", b"", content_type="image/png"), "空文件"),
    ],
)
def test_bad_uploads_are_refused_naming_the_field(world: World, upload: Any, text: str) -> None:
    with pytest.raises(ValidationFailed) as err:
        product_picture_add(
            actor=world.merchant_staff,
            merchant_id=world.merchant.pk,
            product_id=world.product.pk,
            image=upload,
        )
    assert text in str(err.value.fields["image"][0])
    assert ProductPicture.objects.count() == 0


def test_type_size_and_pixel_bounds(world: World, settings: Any) -> None:
    def add(image: Any) -> Any:
        return product_picture_add(
            actor=world.merchant_staff,
            merchant_id=world.merchant.pk,
            product_id=world.product.pk,
            image=image,
        )

    with pytest.raises(ValidationFailed) as err:
        add(_image("GIF", name="a.gif"))
    assert "JPG、PNG 或 WebP" in str(err.value.fields["image"][0])
    settings.TOURISM_PICTURE_MAX_BYTES = 100
    with pytest.raises(ValidationFailed) as err:
        add(_image(size=(200, 200)))
    assert "不能超过" in str(err.value.fields["image"][0])
    settings.TOURISM_PICTURE_MAX_BYTES = 5 * 1024 * 1024
    settings.TOURISM_PICTURE_MAX_PIXELS = 1000
    with pytest.raises(ValidationFailed) as err:
        add(_image(size=(50, 50)))
    assert "尺寸过大" in str(err.value.fields["image"][0])
    settings.TOURISM_PICTURE_MAX_PIXELS = 40_000_000
    assert add(_image("JPEG", name="x.jpg")).format == "JPEG"
    assert add(_image("WEBP", name="x.webp")).format == "JPEG"  # re-encoded on upload
    clear = io.BytesIO()
    Image.new("RGBA", (20, 20), (0, 0, 0, 0)).save(clear, format="PNG")
    assert add(SimpleUploadedFile("t.png", clear.getvalue())).format == "PNG"  # transparency kept


def test_too_many_pictures_and_the_file_is_not_left_behind(
    world: World, settings: Any, tmp_path: Any
) -> None:
    settings.TOURISM_PICTURES_PER_PRODUCT = 1
    args = {"actor": world.merchant_staff, "merchant_id": world.merchant.pk, "product_id": world.product.pk}
    first = product_picture_add(**args, image=_image())
    with pytest.raises(Conflict) as err:
        product_picture_add(**args, image=_image())
    assert "image" in err.value.fields and "最多 1 张" in str(err.value.message)
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert [f.name for f in files] == [first.image.name.rsplit("/", 1)[1]]


def test_pictures_are_only_the_merchants_own(world: World) -> None:
    with pytest.raises(NotFound):
        product_picture_add(
            actor=world.other_staff,
            merchant_id=world.merchant.pk,
            product_id=world.product.pk,
            image=_image(),
        )
    theirs = make_product(world.other_merchant)
    with pytest.raises(NotFound):  # their product through my merchant
        product_picture_add(
            actor=world.merchant_staff, merchant_id=world.merchant.pk, product_id=theirs.pk, image=_image()
        )
    picture = product_picture_add(
        actor=world.merchant_staff, merchant_id=world.merchant.pk, product_id=world.product.pk, image=_image()
    )
    with pytest.raises(NotFound):
        product_picture_remove(
            actor=world.other_staff,
            merchant_id=world.other_merchant.pk,
            product_id=theirs.pk,
            picture_id=picture.pk,
        )
    api = _client(world.other_staff)
    base = f"/api/v1/tourism/merchants/{world.merchant.pk}/products/{world.product.pk}/pictures"
    assert api.get(base).status_code == 404
    assert api.post(base, {"image": _image()}).status_code == 404


def test_remove_deletes_the_file_after_commit(world: World, django_capture_on_commit_callbacks: Any) -> None:
    args = {"actor": world.merchant_staff, "merchant_id": world.merchant.pk, "product_id": world.product.pk}
    picture = product_picture_add(**args, image=_image())
    name = picture.image.name
    with django_capture_on_commit_callbacks(execute=True):
        product_picture_remove(**args, picture_id=picture.pk)
    assert not ProductPicture.objects.exists() and not default_storage.exists(name)
    assert AuditEvent.objects.filter(action="tourism.product_picture_remove").exists()


def test_picture_api_and_console_upload(world: World) -> None:
    staff = _client(world.merchant_staff)
    base = f"/api/v1/tourism/merchants/{world.merchant.pk}/products/{world.product.pk}/pictures"
    made = staff.post(base, {"image": _image()})
    assert made.status_code == 201, made.content
    assert made.json()["format"] == "JPEG" and made.json()["product_status"] == "pending"
    assert [p["id"] for p in staff.get(base).json()] == [made.json()["id"]]
    bad = staff.post(base, {"image": SimpleUploadedFile("x.png", b"junk", content_type="image/png")})
    assert bad.status_code == 422 and "image" in bad.json()["fields"]
    missing = staff.post(base, {})
    assert missing.status_code == 422 and "image" in missing.json()["fields"]
    assert staff.delete(f"{base}/{made.json()['id']}").status_code == 204
    page_url = reverse("tourism:m_product", args=[world.merchant.pk, world.product.pk])
    add_url = reverse("tourism:m_picture_add", args=[world.merchant.pk, world.product.pk])
    assert staff.post(add_url, {"image": _image()}).status_code == 302
    page = staff.get(page_url).content.decode()
    assert 'data-testid="merchant-picture"' in page
    refused = staff.post(add_url, {"image": SimpleUploadedFile("a.png", b"x")})
    assert "不是有效的图片" in refused.content.decode()


@pytest.mark.parametrize("rows", [3, 30])
def test_lists_with_pictures_stay_flat(world: World, rows: int) -> None:
    for i in range(rows):
        product = make_product(world.merchant, title=f"图{i}")
        make_session(product)
        ProductPicture.objects.create(
            product=product, image=f"tourism/products/{product.pk}/a.png", format="PNG"
        )
    worker, platform = _client(world.worker), _client(world.platform)
    for client, url, limit in (
        (worker, reverse("tourism:home"), 12),
        (Client(), "/api/v1/tourism/products", 6),
        (_client(world.merchant_staff), reverse("tourism:m_products", args=[world.merchant.pk]), 14),
        (platform, reverse("tourism:p_products") + "?status=", 14),
    ):
        client.get(url)
        with assert_max_queries(limit):
            assert client.get(url).status_code == 200, url
