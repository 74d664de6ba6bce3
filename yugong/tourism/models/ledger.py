"""Merchant statements and payouts. The double-entry ledger itself is ``yugong.funds`` (the one
ledger of the platform); tourism posts to it through ``yugong.funds.ledger``."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .catalog import Merchant


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
