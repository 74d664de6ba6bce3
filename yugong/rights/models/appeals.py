"""Appeals: the appeal, its number counter, handling stages, the timeline, attachments and routing
rules (see the package docstring)."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from yugong.core.pii import BlindIndexField, EncryptedTextField, mask_name, mask_phone

_LABELS: dict[tuple[type, str], dict[str, str]] = {}


def choice_label(choices: type[models.Choices], value: str) -> str:
    """The translated label of ``value``, from a table built once per choices class and language.

    ``Model.get_FOO_display()`` hashes every lazy label of the field's choices on each call (one
    ``gettext`` per choice): 50 queue rows x 2 fields cost ~27,000 gettext calls, a third of the
    overdue queue's CPU. Lists and API serialisers use this instead."""
    key = (choices, get_language() or "")
    table = _LABELS.get(key)
    if table is None:
        table = {str(v): str(label) for v, label in choices.choices}
        _LABELS[key] = table
    return table.get(value, value)


class Category(models.TextChoices):
    WAGES = "wages", _("拖欠工资")
    CONTRACT = "contract", _("劳动合同")
    SOCIAL_INSURANCE = "social_insurance", _("社会保险")
    HOURS = "hours", _("工时与休息休假")
    INJURY = "injury", _("工伤与职业病")
    DISMISSAL = "dismissal", _("解除劳动关系与经济补偿")
    NEW_FORMS = "new_forms", _("新就业形态权益（平台规则、意外伤害）")
    DISCRIMINATION = "discrimination", _("就业歧视")
    MEMBERSHIP = "membership", _("工会会籍")
    OTHER = "other", _("其他")


class Channel(models.TextChoices):
    HOTLINE = "hotline", _("12351热线")
    H5 = "h5", _("网上诉求")
    WALK_IN = "walk_in", _("现场来访")


class Complexity(models.TextChoices):
    GENERAL = "general", _("一般")
    DIFFICULT = "difficult", _("疑难")
    COMPLEX = "complex", _("复杂")


class Rating(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASICALLY = "basically", _("基本满意")
    NOT_SATISFIED = "not_satisfied", _("不满意")


class Appeal(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("待受理")
        HANDLING = "handling", _("办理中")
        WAITING = "waiting", _("待职工补充")
        CONCLUDED = "concluded", _("已办结")
        CLOSED = "closed", _("已结案")

    OPEN = (Status.PENDING, Status.HANDLING, Status.WAITING)

    number = models.CharField(_("诉求编号"), max_length=20, unique=True)
    channel = models.CharField(_("来源渠道"), max_length=8, choices=Channel.choices)
    category = models.CharField(_("诉求类别"), max_length=20, choices=Category.choices)
    complexity = models.CharField(
        _("复杂程度"), max_length=10, choices=Complexity.choices, default=Complexity.GENERAL
    )
    anonymous = models.BooleanField(_("匿名"), default=False)
    caller_name = EncryptedTextField(_("诉求人姓名"), blank=True, default="")
    caller_phone = EncryptedTextField(_("联系电话"), blank=True, default="")
    caller_phone_index = BlindIndexField(source="caller_phone", purpose="phone", db_index=False)
    caller_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="appeals",
        verbose_name=_("提交用户"),
    )
    employer = models.ForeignKey(
        "orgs.Employer",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="appeals",
        verbose_name=_("用人单位"),
    )
    employer_name = models.CharField(_("用人单位名称"), max_length=200, blank=True)
    district = models.CharField(_("所在区县"), max_length=40, blank=True)
    industry = models.CharField(_("行业门类"), max_length=1, blank=True)
    subject = models.CharField(_("诉求概要"), max_length=200)
    facts = models.TextField(_("事实与经过"))
    demand = models.TextField(_("具体诉求"), blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    union = models.ForeignKey(
        "orgs.Union", on_delete=models.PROTECT, related_name="appeals", verbose_name=_("承办工会")
    )
    stage = models.ForeignKey(
        "HandlingStage",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("当前办理环节"),
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_appeals",
        verbose_name=_("承办人"),
    )
    due_at = models.DateTimeField(_("当前时限"), null=True, blank=True)
    due_kind = models.CharField(_("时限类型"), max_length=10, blank=True)
    warn_at = models.DateTimeField(_("临期提醒时间"), null=True, blank=True)
    outcome = models.TextField(_("办理结果"), blank=True)
    amount_recovered_fen = models.BigIntegerField(_("挽回金额（分）"), default=0)
    concluded_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    followed_up_at = models.DateTimeField(_("回访时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结案时间"), null=True, blank=True)
    rating = models.CharField(_("评价"), max_length=16, choices=Rating.choices, blank=True)
    rating_comment = models.CharField(_("评价说明"), max_length=500, blank=True)
    rated_at = models.DateTimeField(_("评价时间"), null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("重办次数"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("登记人"),
    )
    created_at = models.DateTimeField(_("登记时间"), db_index=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("诉求")
        verbose_name_plural = _("诉求")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The supervisors' queues: "overdue" is due_at <= now, "near due" warn_at <= now < due_at,
            # both only over appeals whose clock runs (the partial condition keeps the index to the
            # open, running few percent of a million rows); union_id rides along so the subtree
            # join needs no heap visit to decide, and id so that a queue page picks its 50 ids from
            # the index alone (selectors.appeal_queue) and visits only their 50 heap rows.
            models.Index(
                fields=["due_at", "union", "id"],
                condition=Q(due_at__isnull=False),
                name="rights_appeal_due_id",
            ),
            models.Index(
                fields=["warn_at", "union"], condition=Q(warn_at__isnull=False), name="rights_appeal_warn"
            ),
            models.Index(fields=["caller_phone_index", "-created_at"], name="rights_appeal_caller"),
            models.Index(fields=["union", "status", "-created_at"], name="rights_appeal_union_status"),
            models.Index(fields=["caller_user", "-created_at"], name="rights_appeal_user"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount_recovered_fen__gte=0), name="rights_appeal_amount_ge0"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def masked_caller_name(self) -> str:
        return mask_name(self.caller_name) if not self.anonymous else str(_("匿名"))

    @property
    def masked_caller_phone(self) -> str:
        return mask_phone(self.caller_phone)

    @property
    def category_label(self) -> str:
        return choice_label(Category, self.category)

    @property
    def status_label(self) -> str:
        return choice_label(Appeal.Status, self.status)

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN


class AppealNumberCounter(models.Model):
    """Appeal numbers per year: 12351-2026-000123, allocated by a conditional UPDATE whose row lock
    lasts until the caller's transaction commits (no two appeals share a number)."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    next_value = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("诉求编号计数器")
        verbose_name_plural = _("诉求编号计数器")

    def __str__(self) -> str:
        return f"{self.year}: {self.next_value}"


class HandlingStage(models.Model):
    """One union's turn at an appeal, with its own SLA clock (rights.sla).

    ``pauses`` is the list of ``{"from": iso, "to": iso | null}`` intervals spent waiting on the
    worker; an open interval (``to`` null) means the clock is stopped now. ``accept_due`` and
    ``conclude_due`` are recomputed from ``started_at``, the budgets and the pauses on every change,
    never shifted incrementally."""

    class Level(models.TextChoices):
        CITY = "city", _("市级")
        DISTRICT = "district", _("区县/产业级")
        GRASSROOTS = "grassroots", _("基层")

    class EndReason(models.TextChoices):
        CONCLUDED = "concluded", _("办结")
        TRANSFERRED = "transferred", _("转办")
        REOPENED = "reopened", _("重办")

    appeal = models.ForeignKey(
        Appeal, on_delete=models.CASCADE, related_name="stages", verbose_name=_("诉求")
    )
    seq = models.PositiveSmallIntegerField(_("序号"))
    union = models.ForeignKey(
        "orgs.Union", on_delete=models.PROTECT, related_name="+", verbose_name=_("承办工会")
    )
    level = models.CharField(_("办理层级"), max_length=12, choices=Level.choices)
    complexity = models.CharField(_("复杂程度"), max_length=10, choices=Complexity.choices)
    accept_hours = models.PositiveIntegerField(_("受理时限（工作小时）"))
    conclude_days = models.PositiveIntegerField(_("办结时限（工作日）"))
    started_at = models.DateTimeField(_("开始时间"))
    accept_due = models.DateTimeField(_("受理期限"), null=True, blank=True)
    conclude_due = models.DateTimeField(_("办结期限"), null=True, blank=True)
    pauses = models.JSONField(_("暂停区间"), default=list, blank=True)
    accepted_at = models.DateTimeField(_("受理时间"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("受理人"),
    )
    concluded_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    transferred_at = models.DateTimeField(_("转出时间"), null=True, blank=True)
    ended_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    end_reason = models.CharField(_("结束原因"), max_length=12, choices=EndReason.choices, blank=True)
    # Thresholds already notified, e.g. ["accept:near", "conclude:overdue"] (once per stage each).
    alerts_sent = models.JSONField(_("已发提醒"), default=list, blank=True)
    reason = models.CharField(_("转入原因"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("办理环节")
        verbose_name_plural = _("办理环节")
        ordering = ["appeal", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["appeal", "seq"], name="rights_stage_seq_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.appeal_id}#{self.seq}"

    @property
    def paused(self) -> bool:
        return bool(self.pauses) and self.pauses[-1].get("to") is None

    @property
    def accepted_on_time(self) -> bool | None:
        if self.accepted_at is None or self.accept_due is None:
            return None
        return self.accepted_at <= self.accept_due

    @property
    def concluded_on_time(self) -> bool | None:
        if self.concluded_at is None or self.conclude_due is None:
            return None
        return self.concluded_at <= self.conclude_due


class AppealEvent(models.Model):
    """The appeal's timeline: append-only, one row per step. ``public`` steps show to the worker."""

    class Kind(models.TextChoices):
        CREATED = "created", _("登记")
        ROUTED = "routed", _("分派")
        ACCEPTED = "accepted", _("受理")
        NOTE = "note", _("办理记录")
        ASSIGNED = "assigned", _("指定承办人")
        PAUSED = "paused", _("等待职工补充")
        RESUMED = "resumed", _("职工已补充")
        TRANSFERRED = "transferred", _("转办")
        REFERRED = "referred", _("移交")
        REFERRAL_UPDATED = "referral_updated", _("移交进展")
        MEDIATION = "mediation", _("调解")
        CONCLUDED = "concluded", _("办结")
        FOLLOWED_UP = "followed_up", _("回访")
        RATED = "rated", _("评价")
        REOPENED = "reopened", _("重新办理")
        CLOSED = "closed", _("结案")
        SLA_ALERT = "sla_alert", _("时限提醒")
        ATTACHMENT = "attachment", _("补充材料")

    appeal = models.ForeignKey(
        Appeal, on_delete=models.CASCADE, related_name="events", verbose_name=_("诉求")
    )
    stage = models.ForeignKey(
        HandlingStage, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(_("步骤"), max_length=20, choices=Kind.choices)
    at = models.DateTimeField(_("时间"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("操作人"),
    )
    actor_label = models.CharField(_("操作人"), max_length=150, blank=True)
    union = models.ForeignKey(
        "orgs.Union",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("工会"),
    )
    text = models.TextField(_("说明"), blank=True)
    data = models.JSONField(default=dict, blank=True)
    public = models.BooleanField(_("职工可见"), default=True)

    class Meta:
        verbose_name = _("诉求进程")
        verbose_name_plural = _("诉求进程")
        ordering = ["appeal", "at", "id"]
        indexes = [models.Index(fields=["appeal", "at"])]

    def __str__(self) -> str:
        return f"{self.appeal_id} {self.kind}"


def attachment_path(instance: Any, filename: str) -> str:
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"rights/{uuid.uuid4().hex[:2]}/{uuid.uuid4().hex}.{ext}"


class AppealAttachment(models.Model):
    """A photo or document. Stored under a random name in the default storage and served only
    through the access-checked download view (they carry personal data)."""

    appeal = models.ForeignKey(
        Appeal, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("诉求")
    )
    file = models.FileField(_("文件"), upload_to=attachment_path, max_length=200)
    name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(_("类型"), max_length=100)
    size = models.PositiveIntegerField(_("大小（字节）"))
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("诉求附件")
        verbose_name_plural = _("诉求附件")
        ordering = ["appeal", "id"]

    def __str__(self) -> str:
        return self.name


class RoutingRule(models.Model):
    """Configurable routing (rights.routing). Blank criteria match anything; the first active rule by
    ``priority`` whose criteria all match wins. ``overrides_employer`` rules are tried before the
    employer's own grassroots union (e.g. "all platform-worker appeals in 渝中区 go to the riders'
    federation"); the others only when the employer has no union of its own."""

    name = models.CharField(_("规则名称"), max_length=100)
    priority = models.PositiveSmallIntegerField(_("优先级（小者优先）"), default=100)
    category = models.CharField(_("诉求类别"), max_length=20, choices=Category.choices, blank=True)
    district = models.CharField(_("区县"), max_length=40, blank=True)
    industry = models.CharField(_("行业门类"), max_length=1, blank=True)
    target = models.ForeignKey(
        "orgs.Union", on_delete=models.PROTECT, related_name="+", verbose_name=_("承办工会")
    )
    overrides_employer = models.BooleanField(_("优先于单位工会"), default=False)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("分派规则")
        verbose_name_plural = _("分派规则")
        ordering = ["priority", "id"]

    def __str__(self) -> str:
        return self.name

    def matches(self, *, category: str, district: str, industry: str) -> bool:
        return (
            (not self.category or self.category == category)
            and (not self.district or self.district == district)
            and (not self.industry or self.industry == industry)
        )
