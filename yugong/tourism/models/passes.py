"""The annual pass: purchase batches, passes, the spots taking part and every gate verification."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .catalog import Merchant, ReviewStatus, new_token


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
    # The spending request against the ordering union's budget line (yugong.funds), if one was named.
    commitment = models.ForeignKey(
        "funds.Commitment", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
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
    """A spot taking part in the annual pass: the merchant applies, the city federation approves; the
    agreed rate per entry is paid from the pass pool, at most ``daily_limit`` admissions a day."""

    class Region(models.TextChoices):
        CHONGQING = "chongqing", _("重庆")
        SICHUAN = "sichuan", _("四川")

    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="pass_spots")
    name = models.CharField(_("景点"), max_length=120)
    region = models.CharField(_("川渝"), max_length=12, choices=Region.choices, default=Region.CHONGQING)
    district = models.CharField(_("区县"), max_length=40, blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    summary = models.CharField(_("简介"), max_length=200, blank=True)
    # WGS-84, for the worker's map (optional: a spot without them is listed but not drawn).
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    lng = models.FloatField(_("经度"), null=True, blank=True)
    rate_fen = models.PositiveIntegerField(_("每人次结算价（分）"))
    daily_limit = models.PositiveIntegerField(_("每日接待上限（人次）"), null=True, blank=True)
    one_entry_per_day = models.BooleanField(_("每日限入一次"), default=True)
    blackout_dates = models.JSONField(_("不可用日期"), default=list, blank=True)
    status = models.CharField(
        _("审核状态"), max_length=16, choices=ReviewStatus.choices, default=ReviewStatus.PENDING
    )
    review_note = models.CharField(_("审核意见"), max_length=200, blank=True)
    active = models.BooleanField(_("参与中"), default=True)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, null=True)

    class Meta:
        verbose_name = _("年票景点")
        verbose_name_plural = _("年票景点")
        constraints = [
            models.CheckConstraint(
                condition=Q(lat__isnull=True) | Q(lat__gte=-90, lat__lte=90), name="tourism_spot_lat"
            ),
            models.CheckConstraint(
                condition=Q(lng__isnull=True) | Q(lng__gte=-180, lng__lte=180), name="tourism_spot_lng"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def open_for_pass(self) -> bool:
        return self.status == ReviewStatus.APPROVED and self.active


class PassPool(models.Model):
    """The money of a year's annual passes: pass purchases pay in, every admitted entry pays the
    spot's rate out. Taken with a conditional UPDATE (``balance_fen >= rate``); the CHECK constraint
    is the last judge, so the pool never goes below zero."""

    year = models.PositiveSmallIntegerField(_("年度"))
    # A year's money is held in several rows (slots, ``TOURISM_PASS_POOL_SLOTS``), spread evenly at
    # every pay-in: concurrent admissions each take from a row no other admission holds, instead of
    # queueing on one row's lock until each commit's WAL flush (services/spots.py, "The pool").
    slot = models.PositiveSmallIntegerField(_("分仓"), default=0)
    balance_fen = models.BigIntegerField(_("余额（分）"), default=0)
    paid_in_fen = models.BigIntegerField(_("累计转入（分）"), default=0)
    paid_out_fen = models.BigIntegerField(_("累计支出（分）"), default=0)

    class Meta:
        verbose_name = _("年票资金池")
        verbose_name_plural = _("年票资金池")
        constraints = [
            models.CheckConstraint(condition=Q(balance_fen__gte=0), name="tourism_pass_pool_ge0"),
            models.UniqueConstraint(fields=["year", "slot"], name="tourism_pass_pool_year_slot"),
        ]

    def __str__(self) -> str:
        return str(f"{self.year}/{self.slot}: {self.balance_fen}")


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
