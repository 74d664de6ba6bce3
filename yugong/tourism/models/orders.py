"""Group orders, orders, tickets, seat holds, payments and gateway notifications."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from .catalog import Merchant, Product, Session, new_token


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
    # The spending request against the ordering union's budget line (yugong.funds), if one was named.
    commitment = models.ForeignKey(
        "funds.Commitment", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
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
        from ..seatmap import seat_label

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
