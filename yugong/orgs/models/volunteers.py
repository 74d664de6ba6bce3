"""Volunteers (1+N+X): teams with a specialty and a lead, volunteers (a worker's account when they
signed up on the phone), service activities (服务活动) with their beneficiaries and places, sign-ups,
and service records that the team lead records and the volunteer confirms or disputes."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from yugong.core.pii import BlindIndexField, EncryptedTextField, mask_name, mask_phone

from .base import Union


class Specialty(models.TextChoices):
    """The service lines the seeds name for the 1+N+X teams."""

    PUBLIC_WELFARE = "public_welfare", _("社会公益")
    CARING = "caring", _("爱心慰问")
    THREE_ENTRIES = "three_entries", _("劳模工匠三进")  # 进企业、进校园、进社区


class VolunteerTeam(models.Model):
    """Volunteer service teams in the 1+N+X shape: one general team, N branch teams, X community
    teams. A general team has no parent; a branch team hangs on a general team; a community team
    on a general or a branch team."""

    class Tier(models.TextChoices):
        GENERAL = "general", _("总队")
        BRANCH = "branch", _("支队")
        COMMUNITY = "community", _("社区服务队")

    union = models.ForeignKey(
        Union, on_delete=models.PROTECT, related_name="volunteer_teams", verbose_name=_("工会")
    )
    name = models.CharField(_("队伍名称"), max_length=120)
    tier = models.CharField(_("层级"), max_length=16, choices=Tier.choices)
    specialty = models.CharField(
        _("服务方向"), max_length=16, choices=Specialty.choices, default=Specialty.PUBLIC_WELFARE
    )
    # The team lead (队长) records service hours for the team's activities besides union staff.
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("队长"),
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("上级队伍"),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("志愿服务队")
        verbose_name_plural = _("志愿服务队")
        ordering = ["union__path", "tier", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["union"], condition=Q(tier="general"), name="orgs_team_one_general_per_union"
            ),
            models.CheckConstraint(
                condition=Q(tier="general", parent__isnull=True)
                | (~Q(tier="general") & Q(parent__isnull=False)),
                name="orgs_team_parent_by_tier",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Volunteer(models.Model):
    team = models.ForeignKey(
        VolunteerTeam, on_delete=models.PROTECT, related_name="volunteers", verbose_name=_("服务队")
    )
    # Set when the worker signed up on the phone (or was linked by phone); they confirm their hours.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("账号"),
    )
    name = models.CharField(_("姓名"), max_length=40)
    phone = EncryptedTextField(_("手机号"), blank=True, default="")
    phone_index = BlindIndexField(source="phone", purpose="phone")
    skills = models.CharField(_("专长"), max_length=200, blank=True)
    active = models.BooleanField(_("在册"), default=True)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("志愿者")
        verbose_name_plural = _("志愿者")
        ordering = ["team", "name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["team", "phone_index"],
                condition=~Q(phone_index=""),
                name="orgs_volunteer_phone_unique",
            ),
            models.UniqueConstraint(
                fields=["team", "user"], condition=Q(user__isnull=False), name="orgs_volunteer_user_unique"
            ),
        ]

    def __str__(self) -> str:
        return mask_name(self.name)

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)


class ServiceActivity(models.Model):
    """A 服务活动 of a team: who it serves (beneficiaries), where and when, and how many volunteers
    it takes. ``signed_up`` is the live count, taken by one conditional UPDATE per sign-up (never
    above ``capacity``: the check constraint is the last judge)."""

    class Status(models.TextChoices):
        OPEN = "open", _("招募中")
        CLOSED = "closed", _("已结束")
        CANCELLED = "cancelled", _("已取消")

    team = models.ForeignKey(
        VolunteerTeam, on_delete=models.PROTECT, related_name="activities", verbose_name=_("服务队")
    )
    title = models.CharField(_("活动名称"), max_length=120)
    description = models.TextField(_("活动内容"), blank=True)
    beneficiaries = models.CharField(_("服务对象"), max_length=120)
    beneficiary_count = models.PositiveIntegerField(_("受益人数"), default=0)
    place = models.CharField(_("服务地点"), max_length=200)
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    capacity = models.PositiveIntegerField(_("招募人数"))
    signed_up = models.PositiveIntegerField(_("已报名"), default=0)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.OPEN)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("志愿服务活动")
        verbose_name_plural = _("志愿服务活动")
        ordering = ["-starts_at", "-id"]
        indexes = [models.Index(fields=["status", "-starts_at"], name="orgs_service_act_feed")]
        constraints = [
            models.CheckConstraint(
                condition=Q(signed_up__lte=F("capacity")) & Q(capacity__gte=1),
                name="orgs_service_act_capacity",
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="orgs_service_act_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def places_left(self) -> int:
        return max(0, self.capacity - self.signed_up)


class ServiceSignup(models.Model):
    """A worker's sign-up for an activity (one live sign-up per worker and activity)."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("已报名")
        CANCELLED = "cancelled", _("已取消")

    activity = models.ForeignKey(
        ServiceActivity, on_delete=models.PROTECT, related_name="signups", verbose_name=_("活动")
    )
    volunteer = models.ForeignKey(
        Volunteer, on_delete=models.PROTECT, related_name="signups", verbose_name=_("志愿者")
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(_("报名时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("志愿服务报名")
        verbose_name_plural = _("志愿服务报名")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "user"], condition=Q(status="active"), name="orgs_signup_one_live"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.activity_id}:{self.user_id}"


class ServiceRecord(models.Model):
    """Service time in whole minutes (hours are shown as minutes / 60). ``team`` is the team the
    volunteer served with when it was recorded, so team totals stay right when volunteers move.

    A record of a volunteer with an account starts 待确认: the volunteer confirms it (only confirmed
    time counts in totals, statements and the cockpit) or disputes it with a note, and the lead
    corrects it (back to 待确认). A volunteer without an account cannot confirm: their records are
    confirmed when written."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待确认")
        CONFIRMED = "confirmed", _("已确认")
        DISPUTED = "disputed", _("有异议")

    volunteer = models.ForeignKey(
        Volunteer, on_delete=models.PROTECT, related_name="records", verbose_name=_("志愿者")
    )
    team = models.ForeignKey(
        VolunteerTeam, on_delete=models.PROTECT, related_name="records", verbose_name=_("服务队")
    )
    activity = models.ForeignKey(
        ServiceActivity,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="records",
        verbose_name=_("活动"),
    )
    signup = models.OneToOneField(
        ServiceSignup, on_delete=models.PROTECT, null=True, blank=True, related_name="record"
    )
    served_on = models.DateField(_("服务日期"))
    minutes = models.PositiveIntegerField(_("服务时长（分钟）"))
    description = models.CharField(_("服务内容"), max_length=200)
    status = models.CharField(_("确认状态"), max_length=10, choices=Status.choices, default=Status.CONFIRMED)
    dispute_note = models.CharField(_("异议说明"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("志愿服务记录")
        verbose_name_plural = _("志愿服务记录")
        ordering = ["-served_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(minutes__gt=0) & Q(minutes__lte=24 * 60), name="orgs_service_minutes_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.served_on} {self.minutes}min"

    @property
    def hours(self) -> float:
        return round(self.minutes / 60, 2)
