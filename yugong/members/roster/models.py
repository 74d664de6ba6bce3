"""Roster imports (名册导入): one row per uploaded file, and its rejected rows.

Imported at the bottom of ``members/models.py`` so the models belong to the ``members`` app.

* :class:`RosterImport` — who uploaded what for which union, the file (default storage) and its
  SHA-256, the mode, the status and the counters. The same file uploaded again by the same person
  for the same union returns the earlier import (a partial unique constraint makes that hold under
  a double click too); a failed import does not block a retry.
* :class:`RosterImportError` — one row per problem: row number, column, the value (masked when it
  is personal data: the error table never holds an ID number or phone in clear) and the reason.
  Written chunk by chunk during validation, so the importer's memory stays flat however many rows
  are bad.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class RosterImport(models.Model):
    class Mode(models.TextChoices):
        ALL_OR_NOTHING = "all_or_nothing", _("全部有效才导入")
        SKIP_INVALID = "skip_invalid", _("导入有效行，跳过有误行")

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        VALIDATING = "validating", _("校验中")
        IMPORTING = "importing", _("导入中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("未导入")

    FINISHED = (Status.DONE, Status.FAILED)

    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("上传人")
    )
    union = models.ForeignKey(
        "orgs.Union", on_delete=models.PROTECT, related_name="roster_imports", verbose_name=_("工会")
    )
    # The upload, deleted when the import ends (it holds a whole roster of personal data in clear);
    # ``report`` keeps only the rejected rows as uploaded, with their reasons.
    file = models.FileField(_("文件"), upload_to="roster_imports/%Y/%m/", max_length=255, blank=True)
    report = models.FileField(_("错误报告"), upload_to="roster_imports/%Y/%m/", max_length=255, blank=True)
    original_name = models.CharField(_("原文件名"), max_length=200, blank=True)
    sha256 = models.CharField(_("文件摘要"), max_length=64)
    mode = models.CharField(_("导入方式"), max_length=16, choices=Mode.choices, default=Mode.ALL_OR_NOTHING)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField(_("总行数"), default=0)
    valid = models.PositiveIntegerField(_("有效行"), default=0)
    invalid = models.PositiveIntegerField(_("有误行"), default=0)
    created = models.PositiveIntegerField(_("新增会员"), default=0)
    skipped = models.PositiveIntegerField(_("跳过"), default=0)
    progress = models.PositiveSmallIntegerField(_("进度"), default=0)
    message = models.TextField(_("说明"), blank=True)
    # What the reader recognised in the sheet (roster.sheet.Layout): header row, columns, merged
    # cells carried down, summary rows left out. Shown with the result.
    layout = models.JSONField(_("识别结果"), default=dict, blank=True)
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("名册导入")
        verbose_name_plural = _("名册导入")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["uploaded_by", "union", "sha256"],
                condition=~Q(status="failed"),
                name="members_rosterimport_same_file_once",
            ),
        ]
        indexes = [models.Index(fields=["union", "-created_at"], name="members_rosterimport_union")]

    def __str__(self) -> str:
        return f"{self.original_name or self.sha256[:12]} ({self.get_status_display()})"

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED


class RosterImportError(models.Model):
    roster_import = models.ForeignKey(
        RosterImport, on_delete=models.CASCADE, related_name="errors", verbose_name=_("名册导入")
    )
    row = models.PositiveIntegerField(_("行号"))
    column = models.CharField(_("列"), max_length=32, blank=True)
    value = models.CharField(_("内容"), max_length=64, blank=True)
    reason = models.CharField(_("原因"), max_length=300)

    class Meta:
        verbose_name = _("名册导入错误")
        verbose_name_plural = _("名册导入错误")
        ordering = ["roster_import", "row", "id"]
        indexes = [models.Index(fields=["roster_import", "row", "id"], name="members_rosterimporterr_row")]

    def __str__(self) -> str:
        return f"#{self.row} {self.column}: {self.reason}"


# Celery workers autodiscover only ``tasks.py``: importing the task module here registers the
# roster import task wherever the app's models load (workers included).
from . import tasks  # noqa: E402,F401
