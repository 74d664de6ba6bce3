from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class NodePath(models.Model):
    """Every path a union has had. Facts keep the path as it stood; a node's figures "as it stood"
    are the facts under any of its paths (a union moved this year still owns last year's figures
    recorded under its old parent, and the old parent keeps them in its own totals)."""

    union = models.ForeignKey(
        "orgs.Union", on_delete=models.CASCADE, related_name="+", verbose_name=_("工会")
    )
    path = models.CharField(_("路径"), max_length=255)
    recorded_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("工会历史路径")
        verbose_name_plural = _("工会历史路径")
        constraints = [models.UniqueConstraint(fields=["union", "path"], name="cockpit_nodepath_unique")]

    def __str__(self) -> str:
        return f"{self.union_id} {self.path}"


class AnnualReview(models.Model):
    """One union's sign-off of its year: grassroots confirm first, then the district over them,
    then the city; ``locked`` freezes the year's figures of the node for good."""

    class Status(models.TextChoices):
        OPEN = "open", _("待确认")
        CONFIRMED = "confirmed", _("已确认")
        LOCKED = "locked", _("已锁定")

    year = models.PositiveSmallIntegerField(_("年度"))
    union = models.ForeignKey(
        "orgs.Union", on_delete=models.PROTECT, related_name="+", verbose_name=_("工会")
    )
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.OPEN)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    locked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    locked_at = models.DateTimeField(_("锁定时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("年度数据审核")
        verbose_name_plural = _("年度数据审核")
        constraints = [models.UniqueConstraint(fields=["year", "union"], name="cockpit_review_unique")]

    def __str__(self) -> str:
        return f"{self.year} {self.union_id} {self.status}"


class AnnualFigure(models.Model):
    """A node's figure for a year and metric (its whole subtree, as it stood): the value the facts
    gave when it was confirmed (``recorded``, never overwritten) and, beside it, a correction with
    its reason. The report reads ``value`` = the correction when there is one."""

    review = models.ForeignKey(AnnualReview, on_delete=models.CASCADE, related_name="figures")
    metric = models.CharField(_("指标"), max_length=64)
    dim = models.CharField(_("维度"), max_length=64, blank=True, default="")
    recorded = models.BigIntegerField(_("统计值"))
    corrected = models.BigIntegerField(_("更正值"), null=True, blank=True)
    reason = models.CharField(_("更正原因"), max_length=500, blank=True)
    corrected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    corrected_at = models.DateTimeField(_("更正时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("年度数据")
        verbose_name_plural = _("年度数据")
        constraints = [
            models.UniqueConstraint(fields=["review", "metric", "dim"], name="cockpit_figure_unique"),
            models.CheckConstraint(
                condition=models.Q(corrected__isnull=True) | ~models.Q(reason=""),
                name="cockpit_correction_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.metric}[{self.dim}]={self.value}"

    @property
    def value(self) -> int:
        return self.recorded if self.corrected is None else self.corrected


class MonthRollup(models.Model):
    """Summed facts per month, per ancestor as it stood (``prefix`` is a prefix of the fact's path:
    the figure of that node's subtree), per metric and dimension. Kept on write — each committed fact
    adds its value to every ancestor's row (``rollup.apply``) — and rebuilt from the facts with
    ``manage.py cockpit_rollup --rebuild``. Reads of whole months (month, quarter, year) of summed
    metrics come from here; days, levels and distinct people are read from the facts."""

    month = models.DateField(_("月份"))
    prefix = models.CharField(_("节点路径"), max_length=255)
    # The prefix of the node's parent ('' for a root): a node's child ranking reads the rows whose
    # ``parent`` is the node — an equality, a few rows, however big the subtree below.
    parent = models.CharField(_("上级节点路径"), max_length=255, blank=True, default="")
    metric = models.CharField(_("指标"), max_length=64)
    dim = models.CharField(_("维度"), max_length=64, blank=True, default="")
    value = models.BigIntegerField(_("数值"), default=0)

    class Meta:
        verbose_name = _("月度汇总")
        verbose_name_plural = _("月度汇总")
        constraints = [
            models.UniqueConstraint(fields=["month", "prefix", "metric", "dim"], name="cockpit_rollup_cell"),
        ]
        indexes = [
            models.Index(
                fields=["prefix", "metric", "month"],
                name="cockpit_rollup_prefix",
                opclasses=["varchar_pattern_ops", "varchar_pattern_ops", "date_ops"],
            ),
            models.Index(fields=["metric", "month"], name="cockpit_rollup_metric_month"),
            models.Index(fields=["parent", "metric", "month"], name="cockpit_rollup_parent"),
        ]

    def __str__(self) -> str:
        return f"{self.month} {self.prefix} {self.metric}[{self.dim}]={self.value}"
