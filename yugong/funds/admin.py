"""Admin for system administrators: sub-categories are configured here; everything else is read
only (money moves through the services, audited and booked)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import (
    Budget,
    BudgetLine,
    Commitment,
    Difference,
    LedgerEntry,
    LedgerLine,
    PayoutBatch,
    SubCategory,
)


@admin.register(SubCategory)
class SubCategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "category", "code", "active", "order")
    list_filter = ("category", "active")


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Budget)
class BudgetAdmin(ReadOnly):
    list_display = ("union", "year", "status", "approved_at")
    list_filter = ("status", "year")
    list_select_related = ("union",)


@admin.register(BudgetLine)
class BudgetLineAdmin(ReadOnly):
    list_display = ("name", "union", "year", "category", "amount_fen", "reserved_fen", "spent_fen")
    list_filter = ("category", "year")
    list_select_related = ("union",)


@admin.register(Commitment)
class CommitmentAdmin(ReadOnly):
    list_display = ("purpose", "union", "amount_fen", "status", "created_at")
    list_filter = ("status",)
    list_select_related = ("union",)


@admin.register(PayoutBatch)
class PayoutBatchAdmin(ReadOnly):
    list_display = ("title", "kind", "status", "line_count", "total_fen", "created_at")
    list_filter = ("kind", "status")


@admin.register(Difference)
class DifferenceAdmin(ReadOnly):
    list_display = ("external_ref", "kind", "statement_fen", "ledger_fen", "status")
    list_filter = ("kind", "status")


class LedgerLineInline(admin.TabularInline):
    model = LedgerLine
    extra = 0
    readonly_fields = ("account", "amount_fen")
    can_delete = False


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnly):
    list_display = ("pk", "kind", "memo", "ref_type", "ref_id", "external_ref", "created_at")
    list_filter = ("kind",)
    search_fields = ("external_ref", "memo")
    inlines = [LedgerLineInline]
