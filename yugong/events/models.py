"""Activities (职工活动), the places shared out among unions, and the sign-ups."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from yugong.members.models import EmploymentForm


class ActivityKind(models.TextChoices):
    SPORTS = "sports", _("职工运动会")
    CULTURE = "culture", _("文艺展演")
    READING = "reading", _("阅读活动")
    CONTEST = "contest", _("摄影/微视频大赛")
    MATCHMAKING = "matchmaking", _("相亲联谊")
    CHILDCARE = "childcare", _("爱心托管")
    FITNESS = "fitness", _("健身打卡")


class Activity(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        OPEN = "open", _("已发布")
        DRAWN = "drawn", _("已抽签")
        CANCELLED = "cancelled", _("已取消")

    union = models.ForeignKey(
        "orgs.Union", on_delete=models.PROTECT, related_name="activities", verbose_name=_("主办工会")
    )
    union_path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    title = models.CharField(_("活动名称"), max_length=120)
    kind = models.CharField(_("活动类型"), max_length=16, choices=ActivityKind.choices)
    description = models.TextField(_("活动介绍"), blank=True)
    venue = models.CharField(_("活动地点"), max_length=200, blank=True)
    starts_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    places = models.PositiveIntegerField(_("名额"))
    allocated = models.PositiveIntegerField(_("已分配给下级的名额"), default=0)
    signup_opens_at = models.DateTimeField(_("报名开始"))
    signup_closes_at = models.DateTimeField(_("报名截止"))
    members_only = models.BooleanField(_("仅限会员"), default=True)
    employment_forms = models.JSONField(_("限定就业形态"), default=list, blank=True)
    repeat_penalty_pct = models.PositiveSmallIntegerField(_("往期中签降权（%）"), default=0)
    # A place freed after the draw is offered to the next on the waiting list, who has this long to
    # accept it before it goes to the one after (``services.offers_expire``).
    offer_hours = models.PositiveSmallIntegerField(_("候补递补确认时限（小时）"), default=24)
    seed_hash = models.CharField(_("种子承诺值（SHA-256）"), max_length=64, blank=True)
    seed = models.CharField(_("抽签种子"), max_length=128, blank=True)
    drawn_at = models.DateTimeField(_("抽签时间"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.OPEN)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("职工活动")
        verbose_name_plural = _("职工活动")
        ordering = ("-signup_opens_at", "-id")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(allocated__lte=models.F("places")), name="activity_allocated_within_places"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def form_labels(self) -> list[str]:
        labels = dict(EmploymentForm.choices)
        return [str(labels.get(f, f)) for f in self.employment_forms]


class Quota(models.Model):
    """Places handed to a subordinate union; it may hand part of them further down (``allocated``).
    ``parent`` is null for a quota the organiser gave out of the activity's own places."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="quotas")
    union = models.ForeignKey(
        "orgs.Union", on_delete=models.PROTECT, related_name="+", verbose_name=_("工会")
    )
    union_path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    places = models.PositiveIntegerField(_("名额"))
    allocated = models.PositiveIntegerField(_("已分配给下级的名额"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("名额分配")
        verbose_name_plural = _("名额分配")
        constraints = [
            models.UniqueConstraint(fields=("activity", "union"), name="quota_one_per_union"),
            models.CheckConstraint(
                condition=models.Q(allocated__lte=models.F("places")), name="quota_allocated_within_places"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.activity_id}/{self.union_id}: {self.places}"

    @property
    def own_places(self) -> int:
        return self.places - self.allocated


class SignUp(models.Model):
    class Status(models.TextChoices):
        ENTERED = "entered", _("已报名")
        WON = "won", _("中签")
        WAITING = "waiting", _("候补")
        OFFERED = "offered", _("候补递补待确认")
        WITHDRAWN = "withdrawn", _("已退出")
        EXPIRED = "expired", _("递补超时")

    # The activity, the union and the quota are rows that every concurrent sign-up of a city-wide
    # activity shares: a database foreign key would make each sign-up's commit take a KEY SHARE lock
    # on all three (shared by many open transactions at once, so PostgreSQL builds MultiXacts for
    # them): 0.14 ms of the database's CPU per sign-up under load, a sixth of it (events README).
    # They are checked instead where they are written — the one-statement sign-up and the ORM path
    # read the activity and find the quota in the same statement/transaction that inserts the row —
    # and the platform never deletes them (activities are cancelled, quotas set to zero, unions
    # closed); Django's on_delete still guards every ORM delete (the admin site included), as
    # ``test_signup_parents.py`` checks. The person and the signing user keep their keys (one row
    # per member: nothing shared).
    # No index of its own: the unique (activity, person) index serves look-ups by activity.
    activity = models.ForeignKey(
        Activity, on_delete=models.CASCADE, related_name="signups", db_index=False, db_constraint=False
    )
    person = models.ForeignKey("members.Person", on_delete=models.PROTECT, related_name="+")
    union = models.ForeignKey(
        "orgs.Union",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("所在工会"),
        db_constraint=False,
    )
    quota = models.ForeignKey(
        Quota, on_delete=models.PROTECT, null=True, blank=True, related_name="signups", db_constraint=False
    )
    prior_wins = models.PositiveSmallIntegerField(_("往期中签次数"), default=0)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.ENTERED)
    wait_rank = models.PositiveIntegerField(_("候补顺序"), null=True, blank=True)
    in_draw = models.BooleanField(_("参加抽签"), default=False)
    won_at_draw = models.BooleanField(_("抽签中签"), default=False)  # kept when a place changes hands later
    offer_expires_at = models.DateTimeField(_("递补确认截止"), null=True, blank=True)
    checked_in_at = models.DateTimeField(_("签到时间"), null=True, blank=True)
    no_show = models.BooleanField(_("缺席"), default=False)
    signed_up_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("报名时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("活动报名")
        verbose_name_plural = _("活动报名")
        ordering = ("id",)
        constraints = [
            models.UniqueConstraint(fields=("activity", "person"), name="signup_one_per_member"),
        ]

    def __str__(self) -> str:
        return f"{self.activity_id}#{self.pk}"

    @property
    def number(self) -> int:
        """The public sign-up number the lottery ranks (the row id: stable, never reused)."""
        return self.pk

    @property
    def pool(self) -> int:
        return self.quota_id or 0


# Modules of their own, registered here: the activity's funding (union funds); each kind's own
# records, the day's scans and the survey.
from .funding_models import ActivityFunding as ActivityFunding  # noqa: E402
from .models_kinds import (  # noqa: E402, F401
    ActivityPhoto,
    CheckinScan,
    ChildAttendance,
    ChildcareGroup,
    ChildEnrolment,
    FitnessEntry,
    MatchInterest,
    MatchProfile,
    PhotoTakedown,
    ReadingBook,
    ReadingLog,
    SurveyQuestion,
    SurveyResponse,
    Vote,
    Work,
)
