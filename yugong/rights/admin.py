"""The system administrator's read-only view of rights data at /sysadmin/.

Same rules as ``orgs.admin``: only superusers and system administrators get in; everyone but
superusers sees only rows inside the subtrees where they hold a role (no role, no rows); nothing
is added, changed or deleted here — appeals, policies and FAQs change only through
``rights.services`` (audited) from the console or the API. The caller's name and phone are never
shown in clear: the change list and the detail page show the masked values, and the encrypted
columns and the blind index are left out of every form (an unmasked view is the audited "查看完整
信息" action of the console).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from yugong.orgs.admin import ScopedReadOnlyAdmin, is_system_admin

from .models import (
    Appeal,
    AppealEvent,
    Faq,
    HandlingStage,
    MediationCase,
    Policy,
    PolicySection,
    Referral,
    RoutingRule,
)

PII_FIELDS = ("caller_name", "caller_phone", "caller_phone_index")


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class StageInline(ReadOnlyInline):
    model = HandlingStage
    fields = ("seq", "union", "level", "started_at", "accept_due", "conclude_due", "end_reason")
    readonly_fields = fields


class EventInline(ReadOnlyInline):
    model = AppealEvent
    fields = ("at", "kind", "actor_label", "union", "text", "public")
    readonly_fields = fields


@admin.register(Appeal)
class AppealAdmin(ScopedReadOnlyAdmin):
    list_display = (
        "number",
        "channel",
        "category",
        "status",
        "union",
        "caller_masked",
        "phone_masked",
        "due_at",
        "created_at",
    )
    list_filter = ("status", "channel", "category", "complexity")
    search_fields = ("number", "employer_name", "subject")
    list_select_related = ("union",)
    date_hierarchy = "created_at"
    exclude = PII_FIELDS
    readonly_fields = ("caller_masked", "phone_masked")
    inlines = [StageInline, EventInline]

    @admin.display(description=_("诉求人"))
    def caller_masked(self, obj: Appeal) -> str:
        return obj.masked_caller_name

    @admin.display(description=_("联系电话"))
    def phone_masked(self, obj: Appeal) -> str:
        return obj.masked_caller_phone


@admin.register(Referral)
class ReferralAdmin(ScopedReadOnlyAdmin):
    list_display = ("appeal", "kind", "agency", "status", "outside_ref", "union", "sent_at")
    list_filter = ("kind", "status")
    search_fields = ("appeal__number", "agency", "outside_ref")
    list_select_related = ("appeal", "union")


@admin.register(MediationCase)
class MediationCaseAdmin(ScopedReadOnlyAdmin):
    list_display = ("appeal", "union", "mediator_name", "respondent", "status", "agreed_amount_fen")
    list_filter = ("status", "fulfilment")
    search_fields = ("appeal__number", "respondent", "mediator_name")
    list_select_related = ("appeal", "union")


@admin.register(RoutingRule)
class RoutingRuleAdmin(ScopedReadOnlyAdmin):
    path_field = "target__path"
    list_display = ("name", "priority", "category", "district", "industry", "target", "active")
    list_filter = ("active", "category")
    list_select_related = ("target",)


class LibraryReadOnlyAdmin(admin.ModelAdmin):
    """The policy library is public text (no union, no personal data): any system administrator
    may look; changes go through the console's policy screens."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_system_admin(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_system_admin(request.user)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).defer("search_text")


class SectionInline(ReadOnlyInline):
    model = PolicySection
    fields = ("seq", "heading", "body")
    readonly_fields = fields


@admin.register(Policy)
class PolicyAdmin(LibraryReadOnlyAdmin):
    list_display = ("title", "issuer", "doc_number", "topic", "effective_on", "expires_on", "published")
    list_filter = ("topic", "published")
    search_fields = ("title", "doc_number", "issuer")
    exclude = ("search_text",)
    inlines = [SectionInline]


@admin.register(Faq)
class FaqAdmin(LibraryReadOnlyAdmin):
    list_display = ("question", "category", "seq", "published")
    list_filter = ("category", "published")
    search_fields = ("question",)
    exclude = ("search_text",)
