"""The /sysadmin/ site is for system administration only: the system administrator (and
superusers). Business staff use the console; the security and audit administrators have their own
pages there. MLPS level 3 keeps these duties apart."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _


class YugongAdminSite(admin.AdminSite):
    site_header = _("渝工 系统管理")
    site_title = _("渝工 系统管理")
    index_title = _("系统管理")

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(
            user.is_active
            and user.is_staff
            and (user.is_superuser or getattr(user, "admin_role", "") == "system")
        )


class YugongAdminConfig(AdminConfig):
    default_site = "yugong.core.admin_site.YugongAdminSite"
