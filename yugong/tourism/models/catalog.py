"""Merchants, their staff, products, pictures and sessions (stock, optional seat map)."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from yugong.core.pii import EncryptedTextField, mask_account


def new_token() -> str:
    return secrets.token_urlsafe(18)


class ReviewStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PENDING = "pending", _("待审核")
    APPROVED = "approved", _("已通过")
    REJECTED = "rejected", _("已驳回")
    SUSPENDED = "suspended", _("已下架")


class Merchant(models.Model):
    class Kind(models.TextChoices):
        SCENIC = "scenic", _("景区")
        TRAVEL_AGENCY = "travel_agency", _("旅行社")
        HOTEL = "hotel", _("酒店")
        BNB = "bnb", _("民宿")
        TROUPE = "troupe", _("剧团/剧院")

    class Cycle(models.TextChoices):
        WEEKLY = "weekly", _("按周")
        MONTHLY = "monthly", _("按月")

    name = models.CharField(_("商户名称"), max_length=120)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    uscc = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    district = models.CharField(_("所在区县"), max_length=40, blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    contact_name = models.CharField(_("联系人"), max_length=40, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    intro = models.TextField(_("简介"), blank=True)
    # The union node that reviews and settles this merchant (the platform operator, usually the
    # city federation); its staff reach the merchant through the orgs access layer.
    host_union = models.ForeignKey(
        "orgs.Union", on_delete=models.PROTECT, related_name="tourism_merchants", verbose_name=_("主管工会")
    )
    status = models.CharField(
        _("审核状态"), max_length=16, choices=ReviewStatus.choices, default=ReviewStatus.PENDING
    )
    review_note = models.TextField(_("审核意见"), blank=True)
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    commission_bp = models.PositiveIntegerField(_("佣金费率（基点）"), default=500)
    settlement_cycle = models.CharField(
        _("结算周期"), max_length=16, choices=Cycle.choices, default=Cycle.MONTHLY
    )
    bank_name = models.CharField(_("开户行"), max_length=80, blank=True)
    bank_account_name = models.CharField(_("账户名"), max_length=120, blank=True)
    bank_account = EncryptedTextField(_("银行账号"), blank=True, default="")
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("文旅商户")
        verbose_name_plural = _("文旅商户")
        constraints = [
            models.CheckConstraint(condition=Q(commission_bp__lte=10000), name="tourism_merchant_bp_max"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def bank_account_masked(self) -> str:
        return mask_account(self.bank_account)

    @property
    def is_live(self) -> bool:
        return self.status == ReviewStatus.APPROVED


class MerchantStaff(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner", _("负责人")
        STAFF = "staff", _("店员")
        GATE = "gate", _("检票员")

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="staff")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="merchant_roles"
    )
    role = models.CharField(_("岗位"), max_length=16, choices=Role.choices, default=Role.STAFF)
    active = models.BooleanField(_("有效"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("商户员工")
        verbose_name_plural = _("商户员工")
        constraints = [models.UniqueConstraint(fields=["merchant", "user"], name="tourism_staff_unique")]

    def __str__(self) -> str:
        return str(f"{self.merchant_id}:{self.user_id}")


class Product(models.Model):
    class Kind(models.TextChoices):
        TICKET = "ticket", _("景区门票")
        SHOW = "show", _("演出")
        ROUTE = "route", _("旅游线路")
        ROOM = "room", _("住宿")

    class Refund(models.TextChoices):
        NONE = "none", _("不可退")
        FREE = "free", _("开始前可免费退")
        FEE = "fee", _("开始前可退，收取手续费")

    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="products")
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    title = models.CharField(_("名称"), max_length=120)
    summary = models.CharField(_("一句话介绍"), max_length=200, blank=True)
    description = models.TextField(_("详细介绍"), blank=True)
    pictures = models.JSONField(_("图片"), default=list, blank=True)
    district = models.CharField(_("区县"), max_length=40, blank=True)
    list_price_fen = models.PositiveIntegerField(_("门市价（分）"))
    member_price_fen = models.PositiveIntegerField(_("惠民价（分）"))
    limit_per_day = models.PositiveIntegerField(_("每人每日限购"), null=True, blank=True)
    limit_per_year = models.PositiveIntegerField(_("每人每年限购"), null=True, blank=True)
    members_only = models.BooleanField(_("仅限工会会员"), default=False)
    eligible_unions = models.ManyToManyField(
        "orgs.Union", blank=True, related_name="+", verbose_name=_("限以下工会（含下级）会员")
    )
    refund_rule = models.CharField(_("退款规则"), max_length=8, choices=Refund.choices, default=Refund.FREE)
    refund_cutoff_hours = models.PositiveIntegerField(_("开始前多少小时截止退款"), default=24)
    refund_fee_bp = models.PositiveIntegerField(_("退款手续费（基点）"), default=0)
    # The gate's admission window around a session's start (the scan refuses outside it).
    admit_before_minutes = models.PositiveIntegerField(_("开始前多少分钟可入场"), default=120)
    admit_after_minutes = models.PositiveIntegerField(_("开始后多少分钟内可入场"), default=240)
    status = models.CharField(
        _("审核状态"), max_length=16, choices=ReviewStatus.choices, default=ReviewStatus.DRAFT
    )
    review_note = models.TextField(_("审核意见"), blank=True)
    search_text = models.TextField(editable=False, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("文旅产品")
        verbose_name_plural = _("文旅产品")
        constraints = [
            models.CheckConstraint(
                condition=Q(member_price_fen__lte=F("list_price_fen")), name="tourism_product_member_le_list"
            ),
            models.CheckConstraint(condition=Q(refund_fee_bp__lte=10000), name="tourism_product_fee_max"),
        ]
        indexes = [models.Index(fields=["status", "kind"], name="tourism_product_live")]

    def __str__(self) -> str:
        return self.title

    @property
    def saving_fen(self) -> int:
        return self.list_price_fen - self.member_price_fen


def product_picture_path(instance: ProductPicture, filename: str) -> str:
    """Random names under the product's folder: the uploaded name is never trusted or shown."""
    ext = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}.get(instance.format, "bin")
    return f"tourism/products/{instance.product_id}/{secrets.token_hex(12)}.{ext}"


class ProductPicture(models.Model):
    """A picture of a product, uploaded by the merchant (services.merchants.product_picture_add:
    checked to be a real JPEG/PNG/WebP image within size bounds). Stored through Django's default
    storage (disk by default, S3-compatible in production). Adding or removing one sends the product
    back to review, like any other edit."""

    product = models.ForeignKey("Product", on_delete=models.CASCADE, related_name="picture_set")
    image = models.FileField(_("产品图片"), upload_to=product_picture_path, max_length=200)
    format = models.CharField(max_length=8, editable=False)
    width = models.PositiveIntegerField(editable=False, default=0)
    height = models.PositiveIntegerField(editable=False, default=0)
    # Smaller copies for srcset, made on upload: {"480": storage name, "960": …} (yugong.core.images).
    renditions = models.JSONField(default=dict, blank=True, editable=False)
    size = models.PositiveIntegerField(editable=False, default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("产品图片")
        verbose_name_plural = _("产品图片")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.image.name


class Session(models.Model):
    """One dated unit of stock: a show performance, a day's tickets, a route departure, a night.

    ``remaining`` is taken with a conditional UPDATE (services.stock.take_stock); ``sold`` counts
    paid seats. Held = capacity − remaining − sold."""

    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="sessions")
    starts_at = models.DateTimeField(_("开始时间"))
    label = models.CharField(_("场次说明"), max_length=80, blank=True)
    capacity = models.PositiveIntegerField(_("名额"))
    remaining = models.IntegerField(_("剩余"))
    sold = models.IntegerField(_("已售"), default=0)
    active = models.BooleanField(_("开售"), default=True)
    # Shows may sell named seats: rows of "A" (seat) and "_" (gap), front row first (seatmap.py).
    # Empty: places without seats. With a map, capacity is its number of seats.
    seat_rows = models.JSONField(_("座位图"), default=list, blank=True)

    class Meta:
        verbose_name = _("场次/库存")
        verbose_name_plural = _("场次/库存")
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(remaining__gte=0), name="tourism_session_remaining_ge0"),
            models.CheckConstraint(condition=Q(sold__gte=0), name="tourism_session_sold_ge0"),
            models.CheckConstraint(
                condition=Q(remaining__lte=F("capacity") - F("sold")), name="tourism_session_not_oversold"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product} · {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def held(self) -> int:
        return self.capacity - self.remaining - self.sold
