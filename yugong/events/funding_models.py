"""An activity paid from its organising union's funds (``yugong.funds``): which budget line, what it
costs (per place or in total), the spending request (reserved when a leader approves it, spent by
finance after the activity for the places really used, the rest released)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ActivityFunding(models.Model):
    class Basis(models.TextChoices):
        PER_PLACE = "per_place", _("按名额（每人费用）")
        TOTAL = "total", _("总额")

    activity = models.OneToOneField(
        "events.Activity", on_delete=models.CASCADE, related_name="funding", verbose_name=_("职工活动")
    )
    commitment = models.OneToOneField(
        "funds.Commitment", on_delete=models.PROTECT, related_name="+", verbose_name=_("支出申请")
    )
    basis = models.CharField(_("计费方式"), max_length=12, choices=Basis.choices)
    cost_fen = models.PositiveBigIntegerField(_("费用（分）"))
    amount_fen = models.PositiveBigIntegerField(_("申请金额（分）"))
    settled_fen = models.PositiveBigIntegerField(_("结算金额（分）"), null=True, blank=True)
    settled_at = models.DateTimeField(_("结算时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("活动经费")
        verbose_name_plural = _("活动经费")

    def __str__(self) -> str:
        return f"{self.activity_id}: {self.amount_fen}"
