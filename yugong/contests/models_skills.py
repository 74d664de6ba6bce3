"""Skills competitions (劳动和技能竞赛), judged the WorldSkills way.

Competition → Stage (preliminary → final) → Item (written / practical, weighted) → SubItem →
Aspect (measurement: one objective mark 0..max; judgement: three judges each score 0–3, the
aspect's mark is the mean ÷ 3 × max). Entries (individual or team) register through the worker's
union, within a quota per union (:class:`CompetitionQuota`, taken by a conditional UPDATE).
Judges are assigned per item and never mark a competitor from their own employer.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Competition(models.Model):
    class Level(models.TextChoices):
        NATIONAL = "national", _("全国级")
        CITY = "city", _("市级")
        DISTRICT = "district", _("区县级")
        INDUSTRY = "industry", _("行业级")
        ENTERPRISE = "enterprise", _("企业级")

    class Mode(models.TextChoices):
        INDIVIDUAL = "individual", _("个人赛")
        TEAM = "team", _("团体赛")
        BOTH = "both", _("个人与团体")

    class Status(models.TextChoices):
        DRAFT = "draft", _("筹备中")
        REGISTRATION = "registration", _("报名中")
        RUNNING = "running", _("比赛中")
        REVIEW = "review", _("成绩公示")
        PUBLISHED = "published", _("成绩已发布")

    title = models.CharField(_("竞赛名称"), max_length=150)
    organiser = models.ForeignKey(
        "orgs.Union", on_delete=models.PROTECT, related_name="competitions", verbose_name=_("主办工会")
    )
    level = models.CharField(_("级别"), max_length=12, choices=Level.choices, default=Level.CITY)
    trades = models.JSONField(_("竞赛工种"), default=list, blank=True)
    cross_region = models.BooleanField(_("川渝联合"), default=False)
    mode = models.CharField(_("参赛形式"), max_length=12, choices=Mode.choices, default=Mode.BOTH)
    team_size = models.PositiveSmallIntegerField(_("团体人数"), default=3)
    quota_per_union = models.PositiveIntegerField(_("每单位名额"), default=5)
    require_member = models.BooleanField(_("须为工会会员"), default=True)
    min_age = models.PositiveSmallIntegerField(_("最低年龄"), default=18)
    max_age = models.PositiveSmallIntegerField(_("最高年龄"), default=60)
    registration_ends_at = models.DateTimeField(_("报名截止"), null=True, blank=True)
    review_days = models.PositiveSmallIntegerField(_("公示期（天）"), default=3)
    review_ends_at = models.DateTimeField(_("公示截止"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=14, choices=Status.choices, default=Status.DRAFT)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("技能竞赛")
        verbose_name_plural = _("技能竞赛")
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.title


class Stage(models.Model):
    class Kind(models.TextChoices):
        PRELIMINARY = "preliminary", _("初赛")
        FINAL = "final", _("决赛")

    competition = models.ForeignKey(Competition, on_delete=models.CASCADE, related_name="stages")
    kind = models.CharField(_("阶段"), max_length=12, choices=Kind.choices)
    order = models.PositiveSmallIntegerField(default=1)
    name = models.CharField(_("名称"), max_length=80)
    advance_top_n = models.PositiveIntegerField(_("晋级名额（前N名）"), null=True, blank=True)
    advance_threshold = models.DecimalField(
        _("晋级分数线"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    results_computed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["competition", "order"]
        constraints = [models.UniqueConstraint(fields=["competition", "order"], name="contests_stage_order")]

    def __str__(self) -> str:
        return self.name


class Item(models.Model):
    class Kind(models.TextChoices):
        WRITTEN = "written", _("理论笔试")
        PRACTICAL = "practical", _("实际操作")

    stage = models.ForeignKey(Stage, on_delete=models.CASCADE, related_name="items")
    name = models.CharField(_("项目"), max_length=80)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    weight = models.DecimalField(_("权重（%）"), max_digits=5, decimal_places=2, default=Decimal("50"))
    order = models.PositiveSmallIntegerField(default=1)

    class Meta:
        ordering = ["stage", "order", "id"]

    def __str__(self) -> str:
        return self.name


class SubItem(models.Model):
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="subitems")
    name = models.CharField(_("子项"), max_length=80)
    order = models.PositiveSmallIntegerField(default=1)

    class Meta:
        ordering = ["item", "order", "id"]

    def __str__(self) -> str:
        return self.name


class Aspect(models.Model):
    class Kind(models.TextChoices):
        MEASUREMENT = "measurement", _("测量评分")
        JUDGEMENT = "judgement", _("评价评分")

    subitem = models.ForeignKey(SubItem, on_delete=models.CASCADE, related_name="aspects")
    name = models.CharField(_("评分点"), max_length=120)
    kind = models.CharField(_("评分方式"), max_length=12, choices=Kind.choices)
    max_mark = models.DecimalField(_("分值"), max_digits=6, decimal_places=2)
    order = models.PositiveSmallIntegerField(default=1)

    class Meta:
        ordering = ["subitem", "order", "id"]

    def __str__(self) -> str:
        return self.name


class CompetitionQuota(models.Model):
    competition = models.ForeignKey(Competition, on_delete=models.CASCADE, related_name="quotas")
    union = models.ForeignKey("orgs.Union", on_delete=models.CASCADE, related_name="+")
    limit = models.PositiveIntegerField(default=0)
    used = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["competition", "union"], name="contests_quota_unique"),
            models.CheckConstraint(condition=Q(used__lte=models.F("limit")), name="contests_quota_not_over"),
        ]

    def __str__(self) -> str:
        return f"{self.union_id}: {self.used}/{self.limit}"


class Entry(models.Model):
    class Kind(models.TextChoices):
        INDIVIDUAL = "individual", _("个人")
        TEAM = "team", _("团体")

    class Status(models.TextChoices):
        REGISTERED = "registered", _("已报名")
        WITHDRAWN = "withdrawn", _("已退赛")

    competition = models.ForeignKey(Competition, on_delete=models.CASCADE, related_name="entries")
    kind = models.CharField(_("参赛形式"), max_length=12, choices=Kind.choices)
    union = models.ForeignKey(
        "orgs.Union", on_delete=models.PROTECT, related_name="+", verbose_name=_("报名单位")
    )
    team_name = models.CharField(_("队名"), max_length=80, blank=True)
    number = models.CharField(_("参赛编号"), max_length=20)
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.REGISTERED)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["competition", "number"]
        constraints = [
            models.UniqueConstraint(fields=["competition", "number"], name="contests_entry_number")
        ]

    def __str__(self) -> str:
        return self.team_name or self.number


class EntryMember(models.Model):
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="members")
    competition = models.ForeignKey(Competition, on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey("members.Person", on_delete=models.PROTECT, related_name="+")
    employer = models.ForeignKey(
        "orgs.Employer", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    captain = models.BooleanField(default=False)

    class Meta:
        constraints = [
            # A person competes once per competition (in one entry, individual or team).
            models.UniqueConstraint(fields=["competition", "person"], name="contests_person_once"),
        ]

    def __str__(self) -> str:
        return f"{self.entry_id}/{self.person_id}"


class Judge(models.Model):
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="judges")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="judging")
    employer = models.ForeignKey(
        "orgs.Employer",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("裁判所在单位"),
    )
    chief = models.BooleanField(_("裁判长"), default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["item", "user"], name="contests_judge_unique")]

    def __str__(self) -> str:
        return f"{self.user_id}@{self.item_id}"


class Mark(models.Model):
    aspect = models.ForeignKey(Aspect, on_delete=models.CASCADE, related_name="marks")
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="marks")
    judge = models.ForeignKey(Judge, on_delete=models.PROTECT, related_name="marks")
    value = models.DecimalField(max_digits=6, decimal_places=2)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["aspect", "entry", "judge"], name="contests_mark_unique")
        ]

    def __str__(self) -> str:
        return f"{self.aspect_id}/{self.entry_id}: {self.value}"


class MarkResolution(models.Model):
    """The chief expert accepts judgement marks whose spread exceeds one point, with a reason."""

    aspect = models.ForeignKey(Aspect, on_delete=models.CASCADE, related_name="+")
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="+")
    note = models.TextField()
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    resolved_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["aspect", "entry"], name="contests_resolution_unique")]

    def __str__(self) -> str:
        return f"{self.aspect_id}/{self.entry_id}"


class StageResult(models.Model):
    stage = models.ForeignKey(Stage, on_delete=models.CASCADE, related_name="results")
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="results")
    score = models.DecimalField(max_digits=7, decimal_places=3)
    written = models.DecimalField(max_digits=7, decimal_places=3, default=Decimal(0))
    practical = models.DecimalField(max_digits=7, decimal_places=3, default=Decimal(0))
    rank = models.PositiveIntegerField()
    advanced = models.BooleanField(default=False)

    class Meta:
        ordering = ["stage", "rank", "entry"]
        constraints = [models.UniqueConstraint(fields=["stage", "entry"], name="contests_result_unique")]

    def __str__(self) -> str:
        return f"{self.stage_id}/{self.entry_id}: {self.score}"


class Objection(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("待处理")
        UPHELD = "upheld", _("成立")
        DISMISSED = "dismissed", _("不成立")

    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="objections")
    stage = models.ForeignKey(Stage, on_delete=models.CASCADE, related_name="objections")
    text = models.TextField(_("异议内容"))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    response = models.TextField(_("处理意见"), blank=True)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    filed_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.entry_id}: {self.get_status_display()}"
