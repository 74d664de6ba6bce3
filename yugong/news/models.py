"""News and notices (资讯 / 通知公告): published by a union node to its whole subtree.

A worker reads what the unions of their chain published (their union, its parents, up to the
city); staff read the same for the nodes where they hold roles. A notice to staff may ask for a
read receipt: the publisher sees who in the subtree has not read it. Scenario apps publish here too
(an honour list, a 公示) through ``services.article_post``."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from yugong.orgs.models import Union


class Article(models.Model):
    class Kind(models.TextChoices):
        NEWS = "news", _("工会资讯")
        NOTICE = "notice", _("通知公告")
        HONOUR = "honour", _("表彰名单")
        PUBLICITY = "publicity", _("公示")

    class Audience(models.TextChoices):
        WORKERS = "workers", _("职工（含工会干部）")
        STAFF = "staff", _("仅工会干部")

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        PUBLISHED = "published", _("已发布")
        WITHDRAWN = "withdrawn", _("已撤回")

    union = models.ForeignKey(Union, on_delete=models.PROTECT, related_name="+", verbose_name=_("发布单位"))
    kind = models.CharField(_("类别"), max_length=12, choices=Kind.choices, default=Kind.NEWS)
    audience = models.CharField(_("对象"), max_length=8, choices=Audience.choices, default=Audience.WORKERS)
    title = models.CharField(_("标题"), max_length=120)
    summary = models.CharField(_("摘要"), max_length=200, blank=True)
    body_html = models.TextField(_("正文"), blank=True)
    cover = models.CharField(_("封面图"), max_length=200, blank=True)  # storage name (core.images)
    cover_width = models.PositiveIntegerField(default=0)
    cover_height = models.PositiveIntegerField(default=0)
    cover_renditions = models.JSONField(default=dict, blank=True)  # {"480": name, "960": name}
    pinned = models.BooleanField(_("首页轮播"), default=False)
    requires_receipt = models.BooleanField(_("需要阅读回执"), default=False)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    # Denormalised from status for the full-text index's fixed condition (core.textsearch).
    published = models.BooleanField(default=False, editable=False)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    withdrawn_reason = models.CharField(_("撤回原因"), max_length=200, blank=True)
    # What a scenario app published (e.g. "honors.list:12"): shown as the source, one post per ref.
    source = models.CharField(_("来源"), max_length=80, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("撰稿人")
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    search_text = models.TextField(blank=True, default="", editable=False)

    class Meta:
        verbose_name = _("资讯公告")
        verbose_name_plural = _("资讯公告")
        ordering = ["-published_at", "-id"]
        indexes = [
            models.Index(fields=["union", "published", "-published_at"], name="news_article_feed"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(requires_receipt=False) | Q(audience="staff"),
                name="news_receipt_only_for_staff",
            ),
            models.CheckConstraint(
                condition=Q(published=False) | Q(status="published", published_at__isnull=False),
                name="news_published_consistent",
            ),
            models.UniqueConstraint(
                fields=["source"], condition=~Q(source=""), name="news_one_post_per_source"
            ),
        ]

    def __str__(self) -> str:
        return self.title


def attachment_path(article_id: int) -> str:
    """A random storage name: attachments are served only through the reader check, never by name."""
    return f"news/files/{article_id}/{secrets.token_hex(12)}"


class Attachment(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("文件"), max_length=200)
    name = models.CharField(_("文件名"), max_length=120)
    size = models.PositiveIntegerField(_("大小"), default=0)
    content_type = models.CharField(max_length=80, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class ReadReceipt(models.Model):
    """A staff member opened a notice that asks for a receipt (once per person)."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="receipts")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    read_at = models.DateTimeField(_("阅读时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("阅读回执")
        verbose_name_plural = _("阅读回执")
        constraints = [models.UniqueConstraint(fields=["article", "user"], name="news_receipt_once")]

    def __str__(self) -> str:
        return f"{self.article_id} · {self.user_id}"
