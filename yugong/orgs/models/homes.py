"""职工之家 ratings: the titles awarded (``HomeRating``) and the workflow that earns them — a union
applies for a level, scores itself against a configurable score sheet with evidence files, and the
application goes up the tree one review level at a time (基层 → 区县 → 市级 → 全国推荐); only staff
holding a role at the reviewing union itself decide. An approved application is published as a
rating, which falls due for re-assessment after the sheet's number of years."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .base import Union


class HomeLevel(models.TextChoices):
    """The levels in ascending order (the review ladder)."""

    GRASSROOTS = "grassroots", _("基层级")
    DISTRICT = "district", _("区县级")
    CITY = "city", _("市级")
    NATIONAL = "national", _("全国")


LEVEL_ORDER = [HomeLevel.GRASSROOTS, HomeLevel.DISTRICT, HomeLevel.CITY, HomeLevel.NATIONAL]


class HomeKind(models.TextChoices):
    HOME = "home", _("模范职工之家")
    SMALL_HOME = "small_home", _("模范职工小家")


class HomeRating(models.Model):
    """A 模范职工之家 / 职工小家 title awarded to a union for a year at a level."""

    Level = HomeLevel
    Kind = HomeKind

    union = models.ForeignKey(
        Union, on_delete=models.PROTECT, related_name="home_ratings", verbose_name=_("工会")
    )
    level = models.CharField(_("级别"), max_length=16, choices=HomeLevel.choices)
    kind = models.CharField(_("类别"), max_length=16, choices=HomeKind.choices)
    year = models.PositiveSmallIntegerField(_("年度"))
    note = models.CharField(_("备注"), max_length=200, blank=True)
    # The year a re-assessment falls due (year + the sheet's period); null for titles entered by hand.
    reassess_year = models.PositiveSmallIntegerField(_("复核年度"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("职工之家评定")
        verbose_name_plural = _("职工之家评定")
        ordering = ["-year", "level", "union__name"]
        constraints = [
            models.UniqueConstraint(fields=["union", "kind", "level", "year"], name="orgs_homerating_unique"),
            models.CheckConstraint(
                condition=Q(year__gte=1980) & Q(year__lte=2100), name="orgs_homerating_year_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.get_level_display()}{self.get_kind_display()}"


class HomeScoreSheet(models.Model):
    """A configurable 评分表 kept by a union (usually the city federation) for its subtree."""

    union = models.ForeignKey(Union, on_delete=models.PROTECT, related_name="+", verbose_name=_("制定工会"))
    name = models.CharField(_("评分表名称"), max_length=120)
    kind = models.CharField(_("类别"), max_length=16, choices=HomeKind.choices)
    pass_score = models.PositiveIntegerField(_("达标分"))
    reassess_years = models.PositiveSmallIntegerField(_("复核周期（年）"), default=3)
    active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("职工之家评分表")
        verbose_name_plural = _("职工之家评分表")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(reassess_years__gte=1) & Q(reassess_years__lte=10),
                name="orgs_sheet_reassess_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class HomeCriterion(models.Model):
    sheet = models.ForeignKey(
        HomeScoreSheet, on_delete=models.CASCADE, related_name="criteria", verbose_name=_("评分表")
    )
    position = models.PositiveSmallIntegerField(_("序号"))
    title = models.CharField(_("评分项"), max_length=200)
    max_score = models.PositiveSmallIntegerField(_("满分"))
    evidence_required = models.BooleanField(_("须附佐证材料"), default=True)

    class Meta:
        verbose_name = _("评分项")
        verbose_name_plural = _("评分项")
        ordering = ["sheet", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["sheet", "position"], name="orgs_criterion_position_unique"),
            models.CheckConstraint(condition=Q(max_score__gte=1), name="orgs_criterion_max_positive"),
        ]

    def __str__(self) -> str:
        return self.title


class HomeApplication(models.Model):
    """A union's application for a title at a level. ``stage`` is the level now reviewing and
    ``reviewer`` the union whose own staff decide it; ``version`` grows with every decision, so two
    reviewers deciding at once cannot both succeed (the decision is one conditional UPDATE)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("填报中")
        REVIEWING = "reviewing", _("审核中")
        APPROVED = "approved", _("已通过")
        RETURNED = "returned", _("已退回")
        REJECTED = "rejected", _("未通过")
        PUBLISHED = "published", _("已公布")

    union = models.ForeignKey(
        Union, on_delete=models.PROTECT, related_name="home_applications", verbose_name=_("申报工会")
    )
    sheet = models.ForeignKey(
        HomeScoreSheet, on_delete=models.PROTECT, related_name="+", verbose_name=_("评分表")
    )
    kind = models.CharField(_("类别"), max_length=16, choices=HomeKind.choices)
    level = models.CharField(_("申报级别"), max_length=16, choices=HomeLevel.choices)
    year = models.PositiveSmallIntegerField(_("年度"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    stage = models.CharField(_("当前审核级别"), max_length=16, choices=HomeLevel.choices, blank=True)
    reviewer = models.ForeignKey(
        Union, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("审核工会")
    )
    version = models.PositiveIntegerField(default=0)
    self_score = models.PositiveIntegerField(_("自评得分"), default=0)
    review_score = models.PositiveIntegerField(_("审核得分"), null=True, blank=True)
    summary = models.TextField(_("创建情况简介"), blank=True)
    reassessment_of = models.OneToOneField(
        HomeRating,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reassessment",
        verbose_name=_("复核的称号"),
    )
    rating = models.OneToOneField(
        HomeRating, on_delete=models.PROTECT, null=True, blank=True, related_name="application"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    published_at = models.DateTimeField(_("公布时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("职工之家申报")
        verbose_name_plural = _("职工之家申报")
        ordering = ["-id"]
        indexes = [models.Index(fields=["status", "reviewer"], name="orgs_homeapp_queue")]
        constraints = [
            models.UniqueConstraint(
                fields=["union", "kind", "level", "year"],
                condition=~Q(status="rejected"),
                name="orgs_homeapp_one_live",
            ),
            models.CheckConstraint(
                condition=~Q(status="reviewing") | (Q(reviewer__isnull=False) & ~Q(stage="")),
                name="orgs_homeapp_reviewing_has_reviewer",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.get_level_display()}{self.get_kind_display()}"


def evidence_path(instance: Any, filename: str) -> str:
    """A random name (the files are served only through the access-checked view)."""
    ext = filename.rsplit(".", 1)[-1].lower()[:5] if "." in filename else "bin"
    return f"homes/{uuid.uuid4().hex[:2]}/{uuid.uuid4().hex}.{ext}"


class HomeScore(models.Model):
    """The applicant's score on one criterion, with its evidence file (stored privately)."""

    application = models.ForeignKey(
        HomeApplication, on_delete=models.CASCADE, related_name="scores", verbose_name=_("申报")
    )
    criterion = models.ForeignKey(HomeCriterion, on_delete=models.PROTECT, related_name="+")
    score = models.PositiveSmallIntegerField(_("自评分"))
    note = models.CharField(_("说明"), max_length=200, blank=True)
    evidence = models.FileField(_("佐证材料"), upload_to=evidence_path, max_length=200, blank=True)
    evidence_name = models.CharField(max_length=120, blank=True)

    class Meta:
        verbose_name = _("评分")
        verbose_name_plural = _("评分")
        ordering = ["criterion__position"]
        constraints = [
            models.UniqueConstraint(fields=["application", "criterion"], name="orgs_homescore_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.application_id}:{self.criterion_id}={self.score}"


class HomeReview(models.Model):
    """One decision at one level (the history of an application's way up the tree)."""

    class Decision(models.TextChoices):
        PASS = "pass", _("通过")
        RETURN = "return", _("退回修改")
        REJECT = "reject", _("不通过")

    application = models.ForeignKey(
        HomeApplication, on_delete=models.CASCADE, related_name="reviews", verbose_name=_("申报")
    )
    stage = models.CharField(_("审核级别"), max_length=16, choices=HomeLevel.choices)
    reviewer = models.ForeignKey(
        Union, on_delete=models.PROTECT, related_name="+", verbose_name=_("审核工会")
    )
    decision = models.CharField(_("审核结论"), max_length=8, choices=Decision.choices)
    score = models.PositiveIntegerField(_("审核得分"), null=True, blank=True)
    note = models.CharField(_("审核意见"), max_length=300, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("审核时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("职工之家审核")
        verbose_name_plural = _("职工之家审核")
        ordering = ["decided_at", "id"]

    def __str__(self) -> str:
        return f"{self.application_id} {self.stage} {self.decision}"


class HomeNationalNomination(models.Model):
    """全国模范职工之家: the city federation recommends one of its 市级 titles to the ACFTU (全国总工会),
    which decides; city staff record the national result — conferred or not, with the ACFTU's
    document number (文号) and date. A conferred result creates the 全国 title (``national_rating``).
    The result is recorded once: one conditional UPDATE from ``recommended``."""

    class Status(models.TextChoices):
        RECOMMENDED = "recommended", _("已推荐全国总工会")
        CONFERRED = "conferred", _("全国总工会已命名")
        NOT_CONFERRED = "not_conferred", _("全国总工会未命名")

    rating = models.OneToOneField(
        HomeRating,
        on_delete=models.PROTECT,
        related_name="national_nomination",
        verbose_name=_("推荐的市级称号"),
    )
    union = models.ForeignKey(
        Union, on_delete=models.PROTECT, related_name="home_nominations", verbose_name=_("工会")
    )
    recommender = models.ForeignKey(
        Union, on_delete=models.PROTECT, related_name="+", verbose_name=_("推荐工会")
    )
    year = models.PositiveSmallIntegerField(_("推荐年度"))
    note = models.CharField(_("推荐意见"), max_length=300, blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.RECOMMENDED)
    recommended_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recommended_at = models.DateTimeField(_("推荐时间"), auto_now_add=True)
    document_no = models.CharField(_("文号"), max_length=60, blank=True)
    document_date = models.DateField(_("发文日期"), null=True, blank=True)
    result_note = models.CharField(_("结果说明"), max_length=300, blank=True)
    result_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    result_at = models.DateTimeField(_("登记时间"), null=True, blank=True)
    national_rating = models.OneToOneField(
        HomeRating,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="nominated_by",
        verbose_name=_("全国称号"),
    )

    class Meta:
        verbose_name = _("全国模范职工之家推荐")
        verbose_name_plural = _("全国模范职工之家推荐")
        ordering = ["-year", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="recommended")
                | (~Q(document_no="") & Q(document_date__isnull=False) & Q(result_at__isnull=False)),
                name="orgs_nomination_result_has_document",
            ),
            models.CheckConstraint(
                condition=~Q(status="conferred") | Q(national_rating__isnull=False),
                name="orgs_nomination_conferred_has_title",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.rating_id} {self.status}"
