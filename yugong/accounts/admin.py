"""Django admin (/sysadmin/) for accounts. Personal data stays masked: the admin never shows the
phone number in clear, and secrets (TOTP, token hashes, SMS code hashes) are not shown at all.
Changes that have a service (token revocation) go through it, so they are audited the same way."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from yugong.core.errors import ApplicationError
from yugong.core.pii import blind_index
from yugong.core.validators import normalize_phone

from . import services
from .models import ApiToken, SmsCode, TotpDevice, User, request_user


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = (
        "username",
        "display_name",
        "phone_masked",
        "is_staff",
        "admin_role",
        "is_active",
        "last_login",
    )
    list_filter = ("is_staff", "is_superuser", "is_active", "admin_role")
    search_fields = ("username", "display_name")
    readonly_fields = ("phone_masked", "last_login", "date_joined")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("个人信息"), {"fields": ("display_name", "phone_masked", "email", "large_font")}),
        (
            _("权限"),
            {"fields": ("is_active", "is_staff", "is_superuser", "admin_role", "groups", "user_permissions")},
        ),
        (_("时间"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "display_name", "password1", "password2")}),
    )

    @admin.display(description=_("手机号"))
    def phone_masked(self, obj: User) -> str:
        return obj.masked_phone or "—"

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[User], search_term: str
    ) -> tuple[QuerySet[User], bool]:
        # A full mobile number is found through its blind index (the column itself is encrypted).
        try:
            phone = normalize_phone(search_term)
        except ApplicationError:
            return super().get_search_results(request, queryset, search_term)
        return queryset.filter(phone_index=blind_index("phone", phone)), False


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "prefix", "created_at", "last_used_at", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("name", "prefix", "user__username")
    list_select_related = ("user",)
    fields = ("user", "name", "prefix", "created_at", "last_used_at", "revoked_at")
    readonly_fields = fields
    actions = ("revoke",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # tokens are issued on the tokens page or with manage.py issue_token

    @admin.action(description=_("吊销所选令牌"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        actor = request_user(request)
        for token in queryset:
            services.api_token_revoke(actor=actor, token=token)
        messages.success(request, _("已吊销所选令牌。"))


@admin.register(SmsCode)
class SmsCodeAdmin(admin.ModelAdmin):
    list_display = ("created_at", "purpose", "expires_at", "attempts", "used_at", "ip")
    fields = ("purpose", "created_at", "expires_at", "attempts", "used_at", "ip")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(TotpDevice)
class TotpDeviceAdmin(admin.ModelAdmin):
    list_display = ("user", "confirmed_at")
    list_select_related = ("user",)
    fields = ("user", "confirmed_at")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
