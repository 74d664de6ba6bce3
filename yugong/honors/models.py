"""Honours (全国/重庆五一劳动奖章·奖状, 工人先锋号, 最美产业工人, 劳模/工匠 titles), the annual
nomination rounds with quotas, nominations moved up the tree, 公示 objections, the honours held,
and the 劳模工匠 register with its 百名劳模服务团 talks."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from yugong.core.notice import ObjectionBase


class Level(models.TextChoices):
    NATIONAL = "national", _("全国级")
    CITY = "city", _("市级")
    DISTRICT = "district", _("区县级")


class Target(models.TextChoices):
    PERSON = "person", _("个人")
    COLLECTIVE = "collective", _("集体")


class HonourKind(models.Model):
    """A kind of honour, e.g. 全国五一劳动奖章 (national, for a person) or 工人先锋号 (a collective).
    Seeded by migration 0002; the system administrator adds more in the admin."""

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("荣誉名称"), max_length=60)
    level = models.CharField(_("级别"), max_length=12, choices=Level.choices)
    target = models.CharField(_("授予对象"), max_length=12, choices=Target.choices)
    # A title that makes its holder a 劳模 or 工匠 of the register (not, e.g., an award for a team).
    register_title = models.CharField(_("劳模工匠称号"), max_length=20, blank=True)
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("荣誉类型")
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return self.name


class Round(models.Model):
    """An annual nomination round of one honour kind, organised by one union (the city federation
    for 重庆五一劳动奖): unions below it nominate within their quota."""

    class Status(models.TextChoices):
        OPEN = "open", _("推荐中")
        NOTICE = "notice", _("公示中")
        AWARDED = "awarded", _("已表彰")

    kind = models.ForeignKey(
        HonourKind, on_delete=models.PROTECT, related_name="rounds", verbose_name=_("荣誉类型")
    )
    union = models.ForeignKey(
        "orgs.Union", on_delete=models.PROTECT, related_name="+", verbose_name=_("组织单位")
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    title = models.CharField(_("评选名称"), max_length=120)
    deadline = models.DateTimeField(_("推荐截止时间"))
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.OPEN)
    notice_article_id = models.BigIntegerField(null=True, blank=True)
    notice_ends_at = models.DateTimeField(_("公示截止时间"), null=True, blank=True)
    award_article_id = models.BigIntegerField(null=True, blank=True)
    awarded_at = models.DateTimeField(_("表彰时间"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "union", "year"], name="honors_round_once_a_year"),
        ]
        ordering = ["-year", "-pk"]
        verbose_name = _("评选")
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return self.title


class Quota(models.Model):
    """The places a union (and everything below it) may nominate in a round. ``used`` is taken by a
    conditional UPDATE (``used < places``) so concurrent nominations never exceed the quota; the
    database constraint is the last judge."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="quotas")
    union = models.ForeignKey(
        "orgs.Union", on_delete=models.PROTECT, related_name="+", verbose_name=_("单位")
    )
    places = models.PositiveIntegerField(_("名额"))
    used = models.PositiveIntegerField(_("已用"), default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["round", "union"], name="honors_quota_once"),
            models.CheckConstraint(condition=Q(used__lte=F("places")), name="honors_quota_not_exceeded"),
        ]
        verbose_name = _("推荐名额")
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"{self.round_id}/{self.union_id}: {self.used}/{self.places}"


class Nomination(models.Model):
    class Status(models.TextChoices):
        REVIEWING = "reviewing", _("逐级审核中")
        APPROVED = "approved", _("拟表彰")
        NOTICE = "notice", _("公示中")
        OBJECTED = "objected", _("公示有异议")
        AWARDED = "awarded", _("已表彰")
        REJECTED = "rejected", _("未通过")
        WITHDRAWN = "withdrawn", _("已撤回")

    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="nominations")
    # The nominating union (推荐单位) and the quota it used.
    union = models.ForeignKey(
        "orgs.Union", on_delete=models.PROTECT, related_name="+", verbose_name=_("推荐单位")
    )
    quota = models.ForeignKey(Quota, on_delete=models.PROTECT, related_name="+")
    # The union whose staff act next (the next level up the tree; the organiser at the top).
    level_union = models.ForeignKey(
        "orgs.Union", on_delete=models.PROTECT, related_name="+", verbose_name=_("当前审核单位")
    )
    person = models.ForeignKey(
        "members.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    nominee = models.CharField(_("推荐对象"), max_length=120)  # the person's or the collective's name
    work_unit = models.CharField(_("工作单位"), max_length=200)
    deeds = models.TextField(_("主要事迹"))
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.REVIEWING)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["round", "person"],
                condition=Q(person__isnull=False),
                name="honors_person_once_a_round",
            ),
            models.UniqueConstraint(
                fields=["round", "nominee"],
                condition=Q(person__isnull=True),
                name="honors_collective_once_a_round",
            ),
        ]
        indexes = [models.Index(fields=["status", "level_union"])]
        ordering = ["pk"]
        verbose_name = _("推荐")
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return self.nominee


class NominationStep(models.Model):
    """The timeline of a nomination: who did what at which level."""

    class Kind(models.TextChoices):
        SUBMITTED = "submitted", _("推荐上报")
        FORWARDED = "forwarded", _("审核通过并上报")
        APPROVED = "approved", _("审定拟表彰")
        REJECTED = "rejected", _("审核未通过")
        NOTICE = "notice", _("公示")
        OBJECTION = "objection", _("公示异议")
        OBJECTION_HANDLED = "objection_handled", _("异议处理")
        AWARDED = "awarded", _("表彰")
        WITHDRAWN = "withdrawn", _("推荐单位撤回")

    nomination = models.ForeignKey(Nomination, on_delete=models.CASCADE, related_name="steps")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    union = models.ForeignKey("orgs.Union", on_delete=models.PROTECT, related_name="+")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.CharField(max_length=500, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.nomination_id}: {self.kind}"


class Objection(ObjectionBase):
    """An objection to a nominee on 公示 (the shared 公示 flow, ``yugong.core.notice``)."""

    nomination = models.ForeignKey(Nomination, on_delete=models.CASCADE, related_name="objections")

    class Meta:
        ordering = ["pk"]
        verbose_name = _("公示异议")
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"{self.nomination_id}"


class Honour(models.Model):
    """An honour held, by a person or a collective: made by an award, or entered for an honour
    received before the platform (``nomination`` empty)."""

    kind = models.ForeignKey(
        HonourKind, on_delete=models.PROTECT, related_name="+", verbose_name=_("荣誉类型")
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    union = models.ForeignKey(
        "orgs.Union", on_delete=models.PROTECT, related_name="+", verbose_name=_("工会")
    )
    person = models.ForeignKey(
        "members.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    holder = models.CharField(_("获得者"), max_length=120)
    work_unit = models.CharField(_("工作单位"), max_length=200, blank=True)
    nomination = models.OneToOneField(
        Nomination, on_delete=models.PROTECT, null=True, blank=True, related_name="honour"
    )
    awarded_at = models.DateTimeField(_("授予时间"))

    class Meta:
        indexes = [models.Index(fields=["person", "year"])]
        ordering = ["-year", "pk"]
        verbose_name = _("荣誉")
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"{self.holder} {self.kind_id} {self.year}"


class Laureate(models.Model):
    """The 劳模工匠 register: one row per honoured person, with their title and whether they serve
    in the 百名劳模服务团 (and so may be booked for talks)."""

    person = models.OneToOneField("members.Person", on_delete=models.PROTECT, related_name="+")
    union = models.ForeignKey(
        "orgs.Union", on_delete=models.PROTECT, related_name="+", verbose_name=_("所属工会")
    )
    name = models.CharField(_("姓名"), max_length=64)
    title = models.CharField(_("称号"), max_length=60)
    specialty = models.CharField(_("专长领域"), max_length=120, blank=True)
    in_service_corps = models.BooleanField(_("百名劳模服务团成员"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("劳模工匠")
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return self.name


class Talk(models.Model):
    """A 劳模服务团 talk (宣讲): booked by a union, then delivered (audience counted) or cancelled."""

    class Status(models.TextChoices):
        BOOKED = "booked", _("已预约")
        DELIVERED = "delivered", _("已宣讲")
        CANCELLED = "cancelled", _("已取消")

    speaker = models.ForeignKey(
        Laureate, on_delete=models.PROTECT, related_name="talks", verbose_name=_("宣讲人")
    )
    union = models.ForeignKey(
        "orgs.Union", on_delete=models.PROTECT, related_name="+", verbose_name=_("预约单位")
    )
    topic = models.CharField(_("宣讲主题"), max_length=120)
    venue = models.CharField(_("地点"), max_length=200)
    scheduled_at = models.DateTimeField(_("宣讲时间"))
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.BOOKED)
    audience = models.PositiveIntegerField(_("听众人数"), default=0)
    record = models.TextField(_("宣讲记录"), blank=True)
    booked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-scheduled_at", "-pk"]
        verbose_name = _("劳模宣讲")
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return self.topic


# An honour's bonus (union funds) lives in its own module; imported here so Django registers it.
from .bonus_models import HonourBonus as HonourBonus  # noqa: E402
