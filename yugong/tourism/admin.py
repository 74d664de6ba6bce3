"""Read-mostly admin views for system administrators (business changes go through the services)."""

from __future__ import annotations

from django.contrib import admin

from .models import Merchant, Order, PassPool, PassSpot, PaymentNotification


@admin.register(Merchant)
class MerchantAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "status", "commission_bp", "settlement_cycle")
    list_filter = ("kind", "status")
    exclude = ("bank_account",)  # encrypted; shown masked on the platform pages
    readonly_fields = ("status", "reviewed_at")


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ("number", "status", "quantity", "amount_fen", "created_at")
    list_filter = ("status",)
    readonly_fields = [f.name for f in Order._meta.fields]


@admin.register(PaymentNotification)
class PaymentNotificationAdmin(admin.ModelAdmin):
    list_display = ("provider", "event_id", "provider_ref", "signature_ok", "outcome", "received_at")
    list_filter = ("provider", "signature_ok", "outcome")


@admin.register(PassSpot)
class PassSpotAdmin(admin.ModelAdmin):
    """Spots of the annual pass. Enrolment goes through the services (merchant applies on its
    workbench, the city reviews at 年票景点审核); here the system administrator finds and reads them,
    and may correct the descriptive fields. The terms and the decision are read-only."""

    list_display = ("name", "merchant", "region", "district", "rate_fen", "daily_limit", "status", "active")
    list_filter = ("status", "region", "active")
    search_fields = ("name", "district", "address", "merchant__name")
    readonly_fields = (
        "merchant",
        "rate_fen",
        "daily_limit",
        "status",
        "review_note",
        "applied_by",
        "decided_by",
        "decided_at",
        "created_at",
    )

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(PassPool)
class PassPoolAdmin(admin.ModelAdmin):
    list_display = ("year", "balance_fen", "paid_in_fen", "paid_out_fen")
    readonly_fields = ("year", "balance_fen", "paid_in_fen", "paid_out_fen")

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False
