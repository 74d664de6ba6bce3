"""Referrals (移交) and mediation cases with their sessions."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .appeals import Appeal


class Referral(models.Model):
    """A hand-over to an outside body under the "工会+法院+检察院+人社+司法" mechanism, or across the
    provincial line to Sichuan unions (川渝协作)."""

    class Kind(models.TextChoices):
        COURT = "court", _("人民法院")
        PROCURATORATE = "procuratorate", _("人民检察院")
        ARBITRATION = "arbitration", _("劳动人事争议仲裁院")
        HRSS = "hrss", _("人力资源和社会保障部门")
        JUSTICE = "justice", _("司法局")
        # Legal aid is a referral, not an assignment inside the union: the union hands the case to
        # a legal-aid body (法律援助中心 or the union's own 工会法律援助站), which designates a
        # lawyer; ``lawyer`` records who, ``outside_ref`` the legal-aid case number.
        LEGAL_AID = "legal_aid", _("法律援助（指派律师）")
        SICHUAN = "sichuan", _("四川省工会（川渝协作）")

    class Status(models.TextChoices):
        SENT = "sent", _("已移交")
        ACCEPTED = "accepted", _("对方已受理")
        IN_PROGRESS = "in_progress", _("办理中")
        DONE = "done", _("已办结")
        DECLINED = "declined", _("未予受理")

    appeal = models.ForeignKey(
        Appeal, on_delete=models.CASCADE, related_name="referrals", verbose_name=_("诉求")
    )
    kind = models.CharField(_("移交对象"), max_length=16, choices=Kind.choices)
    agency = models.CharField(_("接收单位"), max_length=120)
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.SENT)
    outside_ref = models.CharField(_("对方案号"), max_length=64, blank=True)
    lawyer = models.CharField(_("承办律师"), max_length=64, blank=True)
    note = models.TextField(_("说明"), blank=True)
    union = models.ForeignKey(
        "orgs.Union", on_delete=models.PROTECT, related_name="+", verbose_name=_("移交工会")
    )
    sent_at = models.DateTimeField(_("移交时间"))
    updated_at = models.DateTimeField(_("更新时间"))

    class Meta:
        verbose_name = _("移交")
        verbose_name_plural = _("移交")
        ordering = ["-sent_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.agency}"


class MediationCase(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("调解中")
        AGREED = "agreed", _("达成协议")
        FAILED = "failed", _("调解不成")

    class Fulfilment(models.TextChoices):
        NONE = "", _("—")
        PENDING = "pending", _("待履行")
        PARTIAL = "partial", _("部分履行")
        FULFILLED = "fulfilled", _("已履行")
        BREACHED = "breached", _("未履行")

    appeal = models.ForeignKey(
        Appeal, on_delete=models.CASCADE, related_name="mediations", verbose_name=_("诉求")
    )
    union = models.ForeignKey(
        "orgs.Union", on_delete=models.PROTECT, related_name="+", verbose_name=_("调解组织")
    )
    mediator_name = models.CharField(_("调解员"), max_length=64)
    mediator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    applicant = models.CharField(_("申请方"), max_length=200)
    respondent = models.CharField(_("被申请方"), max_length=200)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.OPEN)
    agreement = models.TextField(_("调解协议"), blank=True)
    agreed_amount_fen = models.BigIntegerField(_("协议金额（分）"), default=0)
    paid_amount_fen = models.BigIntegerField(_("已履行金额（分）"), default=0)
    fulfilment = models.CharField(
        _("履行情况"), max_length=10, choices=Fulfilment.choices, blank=True, default=""
    )
    opened_at = models.DateTimeField(_("开始时间"))
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("调解案件")
        verbose_name_plural = _("调解案件")
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(agreed_amount_fen__gte=0) & Q(paid_amount_fen__gte=0),
                name="rights_mediation_amounts",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.appeal_id} {self.respondent}"


class MediationSession(models.Model):
    case = models.ForeignKey(
        MediationCase, on_delete=models.CASCADE, related_name="sessions", verbose_name=_("调解案件")
    )
    held_at = models.DateTimeField(_("调解时间"))
    place = models.CharField(_("地点"), max_length=120, blank=True)
    summary = models.TextField(_("调解情况"))

    class Meta:
        verbose_name = _("调解记录")
        verbose_name_plural = _("调解记录")
        ordering = ["case", "held_at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.held_at:%Y-%m-%d}"
