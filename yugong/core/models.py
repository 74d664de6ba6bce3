from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    """Append-only: rows are only ever inserted (a database trigger rejects UPDATE and DELETE)."""

    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        null=True,
        blank=True,
        db_constraint=False,
        db_index=False,  # the (actor, at) index below serves look-ups by actor
        related_name="+",
        verbose_name=_("操作人"),
    )
    actor_label = models.CharField(_("操作人名称"), max_length=150, blank=True)
    action = models.CharField(_("动作"), max_length=80)  # one index below, for = and prefix look-ups
    object_type = models.CharField(_("对象类型"), max_length=80, blank=True)
    object_id = models.CharField(_("对象编号"), max_length=64, blank=True)
    object_repr = models.CharField(_("对象"), max_length=200, blank=True)
    # The union node the action concerns (orgs.Union id). A plain integer: core imports no domain app.
    union_id = models.BigIntegerField(_("工会节点"), null=True, blank=True, db_index=True)
    ip = models.GenericIPAddressField(_("IP地址"), null=True, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    changes = models.JSONField(_("变更字段"), default=dict, blank=True)
    extra = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("审计日志")
        verbose_name_plural = _("审计日志")
        ordering = ["-at", "-id"]
        # Every audited write inserts into each of these: no index that another one already serves
        # (the action's pattern index answers both equality and prefix filters).
        indexes = [
            models.Index(fields=["object_type", "object_id"]),
            models.Index(fields=["actor", "at"]),
            models.Index(fields=["action"], name="core_audit_action", opclasses=["varchar_pattern_ops"]),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_label} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise RuntimeError("audit events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("audit events are append-only")


class DailyFact(models.Model):
    """A count recorded when something happens, per union node, per day, per metric (and an
    optional dimension such as an employment form). The cockpit rolls these up the tree."""

    day = models.DateField(_("日期"))
    union_id = models.BigIntegerField(_("工会节点"))
    metric = models.CharField(_("指标"), max_length=64)
    dim = models.CharField(_("维度"), max_length=64, blank=True, default="")
    value = models.BigIntegerField(_("数值"), default=0)
    # The union's ancestor chain (its tree path) when the fact happened, so that moving or merging
    # a union later does not rewrite past figures: roll-ups "as it stood" group by prefixes of this.
    # Part of the cell's key: a union moved in the middle of a day gets a second cell for the rest.
    path = models.CharField(_("当时的工会路径"), max_length=255, blank=True, default="")
    # How much of ``value`` a reader that keeps running totals (the cockpit's monthly roll-up) has
    # already folded in. ``value <> folded`` marks the cells with news (a partial index finds them),
    # so writers pay nothing for the roll-up and a fold delivered twice adds nothing the second time.
    folded = models.BigIntegerField(_("已汇总值"), default=0, db_default=0)

    class Meta:
        verbose_name = _("日指标")
        verbose_name_plural = _("日指标")
        constraints = [
            models.UniqueConstraint(
                fields=["day", "union_id", "metric", "dim", "path"], name="core_fact_unique_cell_path"
            ),
        ]
        indexes = [
            models.Index(fields=["metric", "day"]),
            # Subtree scans are prefix matches on path: pattern ops on PostgreSQL (ignored on SQLite).
            models.Index(
                fields=["metric", "path", "day"],
                name="core_fact_metric_path_day",
                opclasses=["varchar_pattern_ops", "varchar_pattern_ops", "date_ops"],
            ),
            # The cells not yet folded into running totals: small, whatever the table's size.
            models.Index(
                fields=["id"], name="core_fact_unfolded", condition=~models.Q(value=models.F("folded"))
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.union_id} {self.metric}[{self.dim}]={self.value}"


class FactBuffer(models.Model):
    """A count recorded by a hot write path (``fact_record(..., buffered=True)``): appended, never
    updated, so writers of the same cell never wait on each other's row lock (a gate admitting one
    visitor after another into the same union's day cell). :func:`yugong.core.facts.fact_buffer_drain`
    adds the rows to their :class:`DailyFact` cells and deletes them (the cockpit's refresh does it
    before it folds); :func:`~yugong.core.facts.fact_total` counts what still waits here."""

    day = models.DateField(_("日期"))
    union_id = models.BigIntegerField(_("工会节点"))
    metric = models.CharField(_("指标"), max_length=64)
    dim = models.CharField(_("维度"), max_length=64, blank=True, default="")
    value = models.BigIntegerField(_("数值"), default=0)
    path = models.CharField(_("当时的工会路径"), max_length=255, blank=True, default="")

    class Meta:
        verbose_name = _("待归并指标")
        verbose_name_plural = _("待归并指标")

    def __str__(self) -> str:
        return f"{self.day} {self.union_id} {self.metric}[{self.dim}]+{self.value}"


class PersonFact(models.Model):
    """One person counted for a distinct-people metric (unit 人) at a union node on a day: the
    cockpit counts ``DISTINCT person_id`` over a subtree and a period, so a person who joined two
    unions, or joined twice, counts once — figures that can never be summed from children."""

    day = models.DateField(_("日期"))
    union_id = models.BigIntegerField(_("工会节点"))
    path = models.CharField(_("当时的工会路径"), max_length=255, blank=True, default="")
    metric = models.CharField(_("指标"), max_length=64)
    person_id = models.BigIntegerField(_("人员"))

    class Meta:
        verbose_name = _("去重计人事实")
        verbose_name_plural = _("去重计人事实")
        constraints = [
            models.UniqueConstraint(
                fields=["metric", "person_id", "union_id", "day"], name="core_personfact_unique"
            ),
        ]
        indexes = [
            models.Index(
                fields=["metric", "path", "day"],
                name="core_pfact_metric_path_day",
                opclasses=["varchar_pattern_ops", "varchar_pattern_ops", "date_ops"],
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.union_id} {self.metric} person {self.person_id}"


class SmsMessage(models.Model):
    """The demo outbox: what the SMS adapter sent (or would have sent), readable by admins."""

    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    phone_masked = models.CharField(_("手机号"), max_length=20)
    phone_index = models.CharField(max_length=40, db_index=True)
    body = models.TextField(_("内容"))
    backend = models.CharField(_("通道"), max_length=20)
    status = models.CharField(_("状态"), max_length=20, default="sent")

    class Meta:
        verbose_name = _("短信发件箱")
        verbose_name_plural = _("短信发件箱")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.phone_masked}: {self.body[:20]}"


class CalendarDay(models.Model):
    """An override of the weekend rule for one date: a public holiday on a weekday, or an adjusted
    working day (调休) on a weekend. The official schedules ship in ``core.calendar``; rows here
    add to or correct them (a local holiday, next year's schedule before a release)."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("休息日")
        WORKDAY = "workday", _("工作日")

    date = models.DateField(_("日期"), unique=True)
    kind = models.CharField(_("类型"), max_length=8, choices=Kind.choices)
    name = models.CharField(_("名称"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("工作日历")
        verbose_name_plural = _("工作日历")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()} {self.name}"


class DomainEvent(models.Model):
    """The transactional outbox (``yugong.core.events``): written by a service inside its own
    transaction, so an event exists exactly when the change that caused it committed."""

    kind = models.CharField(_("事件类型"), max_length=80, db_index=True)
    payload = models.JSONField(_("内容"), default=dict, blank=True)
    # The union node the event concerns and who caused it: plain integers (core imports no domain app).
    union_id = models.BigIntegerField(_("工会节点"), null=True, blank=True)
    actor_id = models.BigIntegerField(_("操作人"), null=True, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("领域事件")
        verbose_name_plural = _("领域事件")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.kind}"


class EventDelivery(models.Model):
    """One handler's delivery of one event: at least once, marked done in the same transaction as
    the handler's own writes (so a handler's effects happen once per event), retried with backoff,
    then dead-lettered for an administrator to read and replay."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待投递")
        DONE = "done", _("已完成")
        DEAD = "dead", _("失败待处理")

    event = models.ForeignKey(
        DomainEvent, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("事件")
    )
    handler = models.CharField(_("处理器"), max_length=200)
    status = models.CharField(_("状态"), max_length=8, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(_("尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次尝试"), null=True, blank=True)
    last_error = models.TextField(_("最近错误"), blank=True)
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("事件投递")
        verbose_name_plural = _("事件投递")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "handler"], name="core_delivery_once_per_handler"),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="core_delivery_due")]

    def __str__(self) -> str:
        return f"{self.event_id} → {self.handler} ({self.status})"
