from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import HardshipFile, MinimumLivingLine


@admin.register(MinimumLivingLine)
class MinimumLivingLineAdmin(admin.ModelAdmin):
    """The 低保 table is edited here by the system administrator (one row per district and year)."""

    list_display = ("district", "year", "monthly_fen", "note", "updated_at")
    list_filter = ("year",)
    search_fields = ("district",)


@admin.register(HardshipFile)
class HardshipFileAdmin(admin.ModelAdmin):
    """Read-only: files change only through the services (scoped, audited). No clear personal data."""

    list_display = ("id", "union", "district", "year", "tier", "near_threshold", "status")
    list_filter = ("tier", "status", "near_threshold")
    list_select_related = ("union",)
    exclude = ("bank_card", "illness_note")
    readonly_fields = [
        f.name for f in HardshipFile._meta.fields if f.name not in {"bank_card", "illness_note"}
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
