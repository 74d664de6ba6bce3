"""An honour's bonus (奖金) paid from the organising union's funds: the spending request it opened
(``yugong.funds``), paid out to the laureate by finance through a bank batch (代发, kind 奖金)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class HonourBonus(models.Model):
    honour = models.OneToOneField(
        "honors.Honour", on_delete=models.PROTECT, related_name="bonus", verbose_name=_("荣誉")
    )
    commitment = models.OneToOneField(
        "funds.Commitment", on_delete=models.PROTECT, related_name="+", verbose_name=_("支出申请")
    )
    amount_fen = models.PositiveBigIntegerField(_("奖金（分）"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("荣誉奖金")
        verbose_name_plural = _("荣誉奖金")

    def __str__(self) -> str:
        return f"{self.honour_id}: {self.amount_fen}"
