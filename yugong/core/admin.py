"""The system administrator's view of the kernel: domain events and their deliveries, with the
dead-letter list and its replay (``yugong.core.events``). Read-only apart from the replay."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from .errors import ApplicationError
from .events import delivery_replay
from .models import DomainEvent, EventDelivery


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class DeliveryInline(admin.TabularInline):
    model = EventDelivery
    extra = 0
    can_delete = False
    fields = ("handler", "status", "attempts", "next_attempt_at", "done_at", "last_error")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(DomainEvent)
class DomainEventAdmin(_ReadOnly):
    list_display = ("id", "kind", "union_id", "actor_id", "created_at")
    list_filter = ("kind",)
    search_fields = ("kind",)
    readonly_fields = ("kind", "payload", "union_id", "actor_id", "created_at")
    inlines = [DeliveryInline]


@admin.register(EventDelivery)
class EventDeliveryAdmin(_ReadOnly):
    list_display = ("id", "event", "handler", "status", "attempts", "next_attempt_at", "done_at")
    list_filter = ("status", "handler")
    list_select_related = ("event",)
    readonly_fields = ("event", "handler", "status", "attempts", "next_attempt_at", "done_at", "last_error")
    actions = ["replay"]

    @admin.action(description=_("重新投递所选的失败事件"))
    def replay(self, request: HttpRequest, queryset: QuerySet[EventDelivery]) -> None:
        done = failed = skipped = 0
        for pk in queryset.filter(status=EventDelivery.Status.DEAD).values_list("pk", flat=True):
            try:
                ok = delivery_replay(actor=request.user, delivery_id=pk)
            except ApplicationError:
                skipped += 1
                continue
            done, failed = (done + 1, failed) if ok else (done, failed + 1)
        messages.info(
            request,
            _("重新投递：成功 %(done)s 条，仍失败 %(failed)s 条，跳过 %(skipped)s 条。")
            % {"done": done, "failed": failed, "skipped": skipped},
        )
