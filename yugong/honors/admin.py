from django.contrib import admin

from .models import HonourKind


@admin.register(HonourKind)
class HonourKindAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "level", "target", "register_title", "active", "order")
    list_filter = ("level", "target", "active")
