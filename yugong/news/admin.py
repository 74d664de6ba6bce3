from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import Article


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    """System administrators read; staff write through the console (scoped, audited)."""

    list_display = ("id", "title", "kind", "union", "status", "published_at")
    list_filter = ("kind", "status")
    search_fields = ("title",)
    list_select_related = ("union",)
    readonly_fields = [f.name for f in Article._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
