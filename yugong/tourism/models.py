"""百万职工游巴蜀: merchants, products and sessions, orders and tickets, payments, group orders, the
annual pass, and the double-entry ledger with statements and payouts.

Invariants the database keeps (the last judge, whatever the services do):

* a session never has negative stock nor more sold than its capacity (``CheckConstraint``);
* one order per (user, idempotency key);
* one successful pass entry per pass, spot and day;
* one pass per person and year;
* a ledger entry's lines sum to zero (checked by :func:`yugong.tourism.ledger.post` before writing
  and by the reconciliation report afterwards).

Money is integer fen everywhere; rates are basis points (1 bp = 0.01 %).
"""

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

    ``remaining`` is taken with a conditional UPDATE (services.orders._take); ``sold`` counts
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


class GroupOrder(models.Model):
    """包场/团体订票: union staff ask, the chair approves the spend, union funds pay."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待主席审批")
        APPROVED = "approved", _("已批准")
        REJECTED = "rejected", _("已驳回")
        CANCELLED = "cancelled", _("已取消")

    union = models.ForeignKey("orgs.Union", on_delete=models.PROTECT, related_name="tourism_group_orders")
    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="group_orders")
    whole_session = models.BooleanField(_("包场"), default=False)
    seats = models.PositiveIntegerField(_("座位数"))
    activity = models.CharField(_("活动名称"), max_length=120)
    # Person ids of the members who get the tickets (in order; may be fewer than seats).
    attendees = models.JSONField(_("参加人员"), default=list, blank=True)
    amount_fen = models.PositiveIntegerField(_("金额（分）"))
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reject_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("团体订票")
        verbose_name_plural = _("团体订票")

    def __str__(self) -> str:
        return str(self.activity)


class Order(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("待支付")
        PAID = "paid", _("已支付")
        USED = "used", _("已使用")
        REFUNDED = "refunded", _("已退款")
        CANCELLED = "cancelled", _("已取消")
        EXPIRED = "expired", _("已超时")

    OPEN = (Status.PENDING,)
    TAKES_STOCK = (Status.PENDING, Status.PAID, Status.USED)

    number = models.CharField(_("订单号"), max_length=24, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="tourism_orders"
    )
    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="orders")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="orders")
    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="orders")
    # The buyer's union (facts); null for a worker who is not (yet) a member.
    union = models.ForeignKey("orgs.Union", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    group_order = models.OneToOneField(
        GroupOrder, on_delete=models.PROTECT, null=True, blank=True, related_name="order"
    )
    quantity = models.PositiveIntegerField(_("数量"))
    unit_price_fen = models.PositiveIntegerField(_("单价（分）"))
    list_price_fen = models.PositiveIntegerField(_("门市单价（分）"))
    amount_fen = models.PositiveIntegerField(_("应付（分）"))
    refunded_fen = models.PositiveIntegerField(_("已退（分）"), default=0)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.PENDING)
    hold_expires_at = models.DateTimeField(_("保留至"), null=True, blank=True)
    idempotency_key = models.CharField(max_length=80)
    paid_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("订单")
        verbose_name_plural = _("订单")
        constraints = [
            models.UniqueConstraint(fields=["user", "idempotency_key"], name="tourism_order_idempotency"),
            models.CheckConstraint(
                condition=Q(refunded_fen__lte=F("amount_fen")), name="tourism_order_refund_le_amount"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "hold_expires_at"], name="tourism_order_holds"),
            models.Index(fields=["user", "product", "created_at"], name="tourism_order_limits"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def saved_fen(self) -> int:
        return (self.list_price_fen - self.unit_price_fen) * self.quantity


class Ticket(models.Model):
    """One person's admission (the e-ticket); its QR carries ``token``."""

    class Status(models.TextChoices):
        VALID = "valid", _("待使用")
        USED = "used", _("已使用")
        VOID = "void", _("已作废")

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="tickets")
    seq = models.PositiveSmallIntegerField()
    token = models.CharField(max_length=40, unique=True, default=new_token)
    holder_name = models.CharField(_("使用人"), max_length=64, blank=True)
    holder_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tourism_tickets",
    )
    status = models.CharField(_("状态"), max_length=8, choices=Status.choices, default=Status.VALID)
    used_at = models.DateTimeField(null=True, blank=True)
    used_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The seat key ("3-5") on a session with a seat map; kept after the seat is released.
    seat = models.CharField(_("座位"), max_length=12, blank=True, default="", db_default="")

    class Meta:
        verbose_name = _("电子票")
        verbose_name_plural = _("电子票")
        constraints = [models.UniqueConstraint(fields=["order", "seq"], name="tourism_ticket_seq")]

    def __str__(self) -> str:
        return str(f"{self.order_id}-{self.seq}")

    @property
    def seat_label(self) -> str:
        from .seatmap import seat_label

        return seat_label(self.seat) if self.seat else ""


class SeatHold(models.Model):
    """A seat of a mapped session taken by an order (pending or paid). The unique constraint is what
    stops two buyers getting one seat; the row goes when the order is cancelled, expires or is
    refunded, and the seat is free again."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="seat_holds")
    seat = models.CharField(_("座位"), max_length=12)
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="seat_holds")

    class Meta:
        verbose_name = _("已占座位")
        verbose_name_plural = _("已占座位")
        constraints = [models.UniqueConstraint(fields=["session", "seat"], name="tourism_seat_once")]

    def __str__(self) -> str:
        return f"{self.session_id}:{self.seat}"


class Payment(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("待支付")
        SUCCEEDED = "succeeded", _("已支付")
        FAILED = "failed", _("支付失败")
        EXPIRED = "expired", _("已超时")
        REFUNDED = "refunded", _("已退款")

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="payments")
    provider = models.CharField(_("支付渠道"), max_length=16)
    provider_ref = models.CharField(_("渠道流水号"), max_length=64, unique=True)
    amount_fen = models.PositiveIntegerField(_("金额（分）"))
    refunded_fen = models.PositiveIntegerField(_("已退（分）"), default=0)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.PENDING)
    expires_at = models.DateTimeField(null=True, blank=True)
    succeeded_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("支付")
        verbose_name_plural = _("支付")
        constraints = [
            models.CheckConstraint(
                condition=Q(refunded_fen__lte=F("amount_fen")), name="tourism_payment_refund_le_amount"
            ),
        ]

    def __str__(self) -> str:
        return str(self.provider_ref)


class PaymentNotification(models.Model):
    """Every notification a gateway sent, kept whatever happened to it (bad signature, duplicate,
    late). ``event_id`` is unique per provider: a duplicate is recorded once and handled once."""

    provider = models.CharField(max_length=16)
    event_id = models.CharField(max_length=64)
    provider_ref = models.CharField(max_length=64, blank=True)
    payload = models.JSONField(default=dict)
    signature_ok = models.BooleanField(default=False)
    outcome = models.CharField(max_length=32, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("支付通知")
        verbose_name_plural = _("支付通知")
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "event_id"], condition=Q(signature_ok=True), name="tourism_notify_once"
            )
        ]

    def __str__(self) -> str:
        return str(f"{self.provider}:{self.event_id}")


class PassBatch(models.Model):
    """An employer union's bulk purchase of annual passes for chosen members."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待主席审批")
        ISSUED = "issued", _("已发放")
        REJECTED = "rejected", _("已驳回")

    union = models.ForeignKey("orgs.Union", on_delete=models.PROTECT, related_name="tourism_pass_batches")
    year = models.PositiveSmallIntegerField(_("年度"))
    price_fen = models.PositiveIntegerField(_("每人价格（分）"))
    person_ids = models.JSONField(_("职工"), default=list)
    total_fen = models.PositiveIntegerField(_("合计（分）"))
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("年票采购")
        verbose_name_plural = _("年票采购")

    def __str__(self) -> str:
        return str(f"{self.union_id} {self.year}")


class AnnualPass(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("有效")
        REVOKED = "revoked", _("已停用")

    batch = models.ForeignKey(PassBatch, on_delete=models.PROTECT, related_name="passes")
    person = models.ForeignKey("members.Person", on_delete=models.PROTECT, related_name="tourism_passes")
    holder_name = models.CharField(_("持卡人"), max_length=64)
    year = models.PositiveSmallIntegerField(_("年度"))
    number = models.CharField(_("年票号"), max_length=24, unique=True)
    # Per-pass salt of the dynamic QR's HMAC key: revoking or re-issuing a pass changes it.
    secret = models.CharField(max_length=40, default=new_token, editable=False)
    status = models.CharField(_("状态"), max_length=8, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("年票")
        verbose_name_plural = _("年票")
        constraints = [models.UniqueConstraint(fields=["person", "year"], name="tourism_pass_one_per_year")]

    def __str__(self) -> str:
        return str(self.number)


class PassSpot(models.Model):
    """A spot taking part in the annual pass, with its rules and its agreed rate per entry."""

    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="pass_spots")
    name = models.CharField(_("景点"), max_length=120)
    district = models.CharField(_("区县"), max_length=40, blank=True)
    rate_fen = models.PositiveIntegerField(_("每人次结算价（分）"))
    one_entry_per_day = models.BooleanField(_("每日限入一次"), default=True)
    blackout_dates = models.JSONField(_("不可用日期"), default=list, blank=True)
    active = models.BooleanField(_("参与中"), default=True)

    class Meta:
        verbose_name = _("年票景点")
        verbose_name_plural = _("年票景点")

    def __str__(self) -> str:
        return self.name


class PassEntry(models.Model):
    """Every verification at a gate, admitted or refused."""

    class Result(models.TextChoices):
        OK = "ok", _("准入")
        DENIED = "denied", _("拒绝")

    spot = models.ForeignKey(PassSpot, on_delete=models.PROTECT, related_name="entries")
    annual_pass = models.ForeignKey(
        AnnualPass, on_delete=models.PROTECT, null=True, blank=True, related_name="entries"
    )
    day = models.DateField()
    at = models.DateTimeField(auto_now_add=True)
    result = models.CharField(max_length=8, choices=Result.choices)
    reason = models.CharField(max_length=120, blank=True)
    rate_fen = models.PositiveIntegerField(default=0)
    # The spot's "one entry per day" rule at the time (the unique index below applies to these).
    once_a_day = models.BooleanField(default=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("入园记录")
        verbose_name_plural = _("入园记录")
        constraints = [
            # One entry per day per spot for spots with the rule: checked by the service after
            # locking the pass row; this index is the last judge.
            models.UniqueConstraint(
                fields=["annual_pass", "spot", "day"],
                condition=Q(result="ok", once_a_day=True),
                name="tourism_entry_once_a_day",
            )
        ]

    def __str__(self) -> str:
        return str(f"{self.annual_pass_id}@{self.spot_id} {self.day}")


class LedgerEntry(models.Model):
    """One money movement (a transaction id); its lines sum to zero."""

    class Kind(models.TextChoices):
        PAYMENT = "payment", _("支付")
        REFUND = "refund", _("退款")
        PASS_PURCHASE = "pass_purchase", _("年票采购")
        PASS_ENTRY = "pass_entry", _("年票入园")
        PAYOUT = "payout", _("商户结算付款")

    kind = models.CharField(max_length=16, choices=Kind.choices)
    memo = models.CharField(max_length=200, blank=True)
    order = models.ForeignKey(
        Order, on_delete=models.PROTECT, null=True, blank=True, related_name="ledger_entries"
    )
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("记账凭证")
        verbose_name_plural = _("记账凭证")

    def __str__(self) -> str:
        return str(f"{self.kind} #{self.pk}")


class LedgerLine(models.Model):
    """Signed amount: positive is a debit, negative a credit."""

    entry = models.ForeignKey(LedgerEntry, on_delete=models.PROTECT, related_name="lines")
    account = models.CharField(max_length=48, db_index=True)
    amount_fen = models.BigIntegerField()

    class Meta:
        verbose_name = _("记账分录")
        verbose_name_plural = _("记账分录")

    def __str__(self) -> str:
        return str(f"{self.account} {self.amount_fen}")


class Statement(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("待付款")
        PAID = "paid", _("已付款")

    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="statements")
    period_start = models.DateField(_("起始日"))
    period_end = models.DateField(_("截止日"))
    gross_fen = models.BigIntegerField(_("销售额"), default=0)
    refunds_fen = models.BigIntegerField(_("退款"), default=0)
    commission_fen = models.BigIntegerField(_("佣金"), default=0)
    entries_fen = models.BigIntegerField(_("年票入园结算"), default=0)
    net_fen = models.BigIntegerField(_("应付商户"), default=0)
    lines = models.JSONField(_("明细"), default=list)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("结算单")
        verbose_name_plural = _("结算单")
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "period_start", "period_end"], name="tourism_statement_once"
            )
        ]

    def __str__(self) -> str:
        return str(f"{self.merchant_id} {self.period_start}–{self.period_end}")


class Payout(models.Model):
    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="payouts")
    statement = models.OneToOneField(
        Statement, on_delete=models.PROTECT, null=True, blank=True, related_name="payout"
    )
    amount_fen = models.PositiveIntegerField(_("金额（分）"))
    reference = models.CharField(_("银行流水号"), max_length=64, blank=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    paid_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("结算付款")
        verbose_name_plural = _("结算付款")

    def __str__(self) -> str:
        return str(f"{self.merchant_id} {self.amount_fen}")
