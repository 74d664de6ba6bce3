"""Jobs (就业服务): employers' job posts reviewed by union staff, job fairs with booths (线下招聘会
and 直播带岗), workers' résumés and intents (求职意向).

* An employer is an ``orgs.Employer`` (verified by its unified social credit code there). The people
  who post for it are its ``Recruiter`` accounts, added by union staff over the employer.
* A post belongs to the employer and is reviewed by the union responsible for the employer (its
  ``managing_union``, else its own union): ``JobPost.union`` is that node, and staff reach posts
  through the orgs access layer over ``union__path``.
* A worker's phone on a résumé is encrypted at rest; the employer sees it masked on an intent until
  the worker agrees to share it (``Intent.contact_shared``).
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from yugong.core.pii import EncryptedTextField
from yugong.orgs.models import Employer, Union


class Recruiter(models.Model):
    """A user who may post jobs and read intents for an employer (招聘专员)."""

    employer = models.ForeignKey(
        Employer, on_delete=models.CASCADE, related_name="+", verbose_name=_("用人单位")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("账号")
    )
    active = models.BooleanField(_("有效"), default=True)
    created_at = models.DateTimeField(_("添加时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("招聘专员")
        verbose_name_plural = _("招聘专员")
        constraints = [models.UniqueConstraint(fields=["employer", "user"], name="jobs_recruiter_unique")]

    def __str__(self) -> str:
        return f"{self.employer_id}:{self.user_id}"


class Education(models.TextChoices):
    ANY = "any", _("学历不限")
    JUNIOR = "junior", _("初中")
    SENIOR = "senior", _("高中/中专/技校")
    COLLEGE = "college", _("大专")
    BACHELOR = "bachelor", _("本科")
    MASTER = "master", _("硕士及以上")


class JobFair(models.Model):
    """A job fair: on site (线下招聘会, a venue) or live (直播带岗, a stream link), with booths."""

    class Kind(models.TextChoices):
        ONSITE = "onsite", _("线下招聘会")
        LIVE = "live", _("直播带岗")

    class Status(models.TextChoices):
        DRAFT = "draft", _("筹备中")
        PUBLISHED = "published", _("已发布")
        CANCELLED = "cancelled", _("已取消")

    union = models.ForeignKey(Union, on_delete=models.PROTECT, related_name="+", verbose_name=_("主办工会"))
    kind = models.CharField(_("形式"), max_length=8, choices=Kind.choices)
    title = models.CharField(_("名称"), max_length=120)
    description = models.TextField(_("介绍"), blank=True)
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    venue = models.CharField(_("地点"), max_length=200, blank=True)
    district = models.CharField(_("所在区县"), max_length=40, blank=True)
    stream_url = models.URLField(_("直播地址"), max_length=300, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("招聘会")
        verbose_name_plural = _("招聘会")
        ordering = ["-starts_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="jobs_fair_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(kind="onsite") | ~Q(stream_url=""), name="jobs_live_fair_has_stream"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Booth(models.Model):
    """An employer's place at a fair (a stand number on site, a slot in a live session)."""

    fair = models.ForeignKey(
        JobFair, on_delete=models.CASCADE, related_name="booths", verbose_name=_("招聘会")
    )
    employer = models.ForeignKey(
        Employer, on_delete=models.PROTECT, related_name="+", verbose_name=_("用人单位")
    )
    label = models.CharField(_("展位号"), max_length=20, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("展位")
        verbose_name_plural = _("展位")
        ordering = ["label", "id"]
        constraints = [models.UniqueConstraint(fields=["fair", "employer"], name="jobs_booth_once_per_fair")]

    def __str__(self) -> str:
        return f"{self.fair_id}:{self.label}"


class JobPost(models.Model):
    """A job (the fields of schema.org JobPosting that matter here, plus the occupation code of the
    national occupation classification, e.g. ``6-31-01-03``)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        PENDING = "pending", _("待审核")
        PUBLISHED = "published", _("已发布")
        REJECTED = "rejected", _("已退回")
        CLOSED = "closed", _("已下架")

    class EmploymentType(models.TextChoices):
        FULL_TIME = "full_time", _("全职")
        PART_TIME = "part_time", _("兼职")
        TEMPORARY = "temporary", _("临时")
        FLEXIBLE = "flexible", _("灵活就业")
        INTERN = "intern", _("实习")

    class PayPeriod(models.TextChoices):
        MONTH = "month", _("月")
        DAY = "day", _("日")
        HOUR = "hour", _("小时")

    employer = models.ForeignKey(
        Employer, on_delete=models.PROTECT, related_name="+", verbose_name=_("用人单位")
    )
    # The reviewing union (the employer's managing union, else its own): the access layer's anchor.
    union = models.ForeignKey(Union, on_delete=models.PROTECT, related_name="+", verbose_name=_("审核工会"))
    fair = models.ForeignKey(
        JobFair,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="posts",
        verbose_name=_("招聘会"),
    )
    title = models.CharField(_("岗位名称"), max_length=80)
    description = models.TextField(_("岗位职责"), blank=True)
    requirements = models.TextField(_("任职要求"), blank=True)
    occupation_code = models.CharField(_("职业分类代码"), max_length=16, blank=True)
    employment_type = models.CharField(
        _("用工形式"), max_length=12, choices=EmploymentType.choices, default=EmploymentType.FULL_TIME
    )
    education = models.CharField(
        _("学历要求"), max_length=10, choices=Education.choices, default=Education.ANY
    )
    pay_min_fen = models.PositiveIntegerField(_("最低薪酬（分）"))
    pay_max_fen = models.PositiveIntegerField(_("最高薪酬（分）"))
    pay_period = models.CharField(
        _("计薪周期"), max_length=8, choices=PayPeriod.choices, default=PayPeriod.MONTH
    )
    openings = models.PositiveIntegerField(_("招聘人数"), default=1)
    district = models.CharField(_("工作区县"), max_length=40)
    address = models.CharField(_("工作地点"), max_length=200, blank=True)
    valid_through = models.DateField(_("截止日期"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    # Denormalised from status for the full-text index's fixed condition (core.textsearch).
    published = models.BooleanField(default=False, editable=False)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    review_note = models.CharField(_("审核意见"), max_length=200, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    search_text = models.TextField(blank=True, default="", editable=False)

    class Meta:
        verbose_name = _("招聘岗位")
        verbose_name_plural = _("招聘岗位")
        ordering = ["-published_at", "-id"]
        indexes = [
            models.Index(fields=["published", "-id"], name="jobs_post_feed"),
            models.Index(fields=["status", "union"], name="jobs_post_queue"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(pay_min_fen__lte=F("pay_max_fen")), name="jobs_pay_range_ordered"
            ),
            models.CheckConstraint(condition=Q(openings__gte=1), name="jobs_openings_positive"),
            models.CheckConstraint(
                condition=Q(published=False) | Q(status="published", published_at__isnull=False),
                name="jobs_published_consistent",
            ),
        ]

    def __str__(self) -> str:
        return self.title


def resume_file_path(instance: Any, filename: str) -> str:
    ext = filename.rsplit(".", 1)[-1].lower()[:5] if "." in filename else "bin"
    return f"resumes/{uuid.uuid4().hex[:2]}/{uuid.uuid4().hex}.{ext}"


class Resume(models.Model):
    """A worker's résumé. The phone is encrypted; employers see it only on an intent, masked until
    the worker shares it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    title = models.CharField(_("简历名称"), max_length=40)
    name = models.CharField(_("姓名"), max_length=40)
    phone = EncryptedTextField(_("手机号"))
    phone_masked = models.CharField(_("手机号（脱敏）"), max_length=20, editable=False)
    education = models.CharField(
        _("最高学历"), max_length=10, choices=Education.choices, default=Education.ANY
    )
    experience_years = models.PositiveSmallIntegerField(_("工作年限"), default=0)
    skills = models.CharField(_("技能证书"), max_length=200, blank=True)
    intro = models.TextField(_("工作经历与自我介绍"), blank=True)
    expected_pay_fen = models.PositiveIntegerField(_("期望月薪（分）"), default=0)
    # An attached résumé file (PDF or Word), stored under a random name and served only through
    # the checked views: to the worker, and to the employers the worker sent this résumé to.
    file = models.FileField(_("简历附件"), upload_to=resume_file_path, max_length=200, blank=True)
    file_name = models.CharField(_("附件文件名"), max_length=120, blank=True)
    file_type = models.CharField(_("附件类型"), max_length=80, blank=True)
    file_size = models.PositiveIntegerField(_("附件大小（字节）"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("简历")
        verbose_name_plural = _("简历")
        ordering = ["-updated_at", "-id"]

    def __str__(self) -> str:
        return self.title


class Intent(models.Model):
    """求职意向: a worker sends a résumé to a post; the employer records an agreement (达成意向)
    or declines; the worker confirms the agreement (or withdraws before)."""

    class Status(models.TextChoices):
        SENT = "sent", _("已投递")
        AGREED = "agreed", _("单位有意向")
        CONFIRMED = "confirmed", _("已达成意向")
        DECLINED = "declined", _("暂不合适")
        WITHDRAWN = "withdrawn", _("已撤回")

    post = models.ForeignKey(
        JobPost, on_delete=models.PROTECT, related_name="intents", verbose_name=_("岗位")
    )
    resume = models.ForeignKey(
        Resume, on_delete=models.PROTECT, related_name="intents", verbose_name=_("简历")
    )
    worker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.SENT)
    message = models.CharField(_("留言"), max_length=200, blank=True)
    contact_shared = models.BooleanField(_("同意向单位公开手机号"), default=False)
    employer_note = models.CharField(_("单位备注"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("投递时间"), auto_now_add=True)
    decided_at = models.DateTimeField(_("单位处理时间"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("求职意向")
        verbose_name_plural = _("求职意向")
        ordering = ["-id"]
        constraints = [
            # One live intent per worker and post; a withdrawn one may be sent again.
            models.UniqueConstraint(
                fields=["post", "worker"], condition=~Q(status="withdrawn"), name="jobs_one_live_intent"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.post_id}:{self.worker_id}"


class FairCheckin(models.Model):
    """A worker checked in at an on-site fair by scanning the fair's QR code (once per fair)."""

    fair = models.ForeignKey(
        JobFair, on_delete=models.CASCADE, related_name="checkins", verbose_name=_("招聘会")
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(_("签到时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("招聘会签到")
        verbose_name_plural = _("招聘会签到")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["fair", "user"], name="jobs_checkin_once")]

    def __str__(self) -> str:
        return f"{self.fair_id}:{self.user_id}"
