"""The policy library (查政策): policies with their sections, and FAQs."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .appeals import Category


class Policy(models.Model):
    class Topic(models.TextChoices):
        RIGHTS = "rights", _("劳动权益")
        EMPLOYMENT = "employment", _("就业创业")
        SOCIAL_INSURANCE = "social_insurance", _("社会保险")
        MEMBERSHIP = "membership", _("工会会员")
        NEW_FORMS = "new_forms", _("新就业形态")

    title = models.CharField(_("标题"), max_length=200)
    issuer = models.CharField(_("发文机关"), max_length=120)
    doc_number = models.CharField(_("文号"), max_length=80, blank=True)
    topic = models.CharField(_("主题"), max_length=20, choices=Topic.choices, default=Topic.RIGHTS)
    effective_on = models.DateField(_("施行日期"), null=True, blank=True)
    expires_on = models.DateField(_("失效日期"), null=True, blank=True)
    summary = models.TextField(_("摘要"), blank=True)
    published = models.BooleanField(_("发布"), default=True)
    # jieba tokens of title, number, issuer, summary and sections, space-joined (rights.search).
    search_text = models.TextField(editable=False, default="", blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("政策法规")
        verbose_name_plural = _("政策法规")
        ordering = ["-effective_on", "-id"]

    def __str__(self) -> str:
        return self.title


class PolicySection(models.Model):
    policy = models.ForeignKey(
        Policy, on_delete=models.CASCADE, related_name="sections", verbose_name=_("政策")
    )
    seq = models.PositiveSmallIntegerField(_("序号"))
    heading = models.CharField(_("条目"), max_length=120, blank=True)
    body = models.TextField(_("内容"))

    class Meta:
        verbose_name = _("条款")
        verbose_name_plural = _("条款")
        ordering = ["policy", "seq"]

    def __str__(self) -> str:
        return f"{self.policy_id}/{self.seq} {self.heading}"


class Faq(models.Model):
    question = models.CharField(_("问题"), max_length=200)
    answer = models.TextField(_("解答"))
    category = models.CharField(_("诉求类别"), max_length=20, choices=Category.choices, blank=True)
    seq = models.PositiveSmallIntegerField(_("排序"), default=0)
    published = models.BooleanField(_("发布"), default=True)
    search_text = models.TextField(editable=False, default="", blank=True)

    class Meta:
        verbose_name = _("常见问题")
        verbose_name_plural = _("常见问题")
        ordering = ["seq", "id"]

    def __str__(self) -> str:
        return self.question
