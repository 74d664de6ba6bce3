"""The system administrator's read-only view of orgs data at /sysadmin/.

* Only superusers and ``admin_role=system`` users get in (security and audit administrators have
  their own screens: the audit log).
* Querysets for everyone but superusers go through the access layer: a system administrator
  without a role at a union node sees no rows (MLPS 3: administration is not business access).
* Read-only: every change to the tree, employers and roles goes through ``orgs.services`` (audited,
  with history) from the console or the API, never through model forms here.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from .access import scope_filter
from .models import Employer, HomeRating, RoleAssignment, Union, UnionEvent, VolunteerTeam


def is_system_admin(user: Any) -> bool:
    return bool(
        getattr(user, "is_active", False)
        and (user.is_superuser or getattr(user, "admin_role", "") == "system")
    )


class ScopedReadOnlyAdmin(admin.ModelAdmin):
    path_field: str | tuple[str, ...] = "union__path"

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
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        return scope_filter(qs, request.user, path_field=self.path_field)


@admin.register(Union)
class UnionAdmin(ScopedReadOnlyAdmin):
    path_field = "path"
    list_display = ("name", "code", "kind", "parent", "depth", "district", "status", "created_at")
    list_filter = ("kind", "status", "depth", "district")
    search_fields = ("name", "short_name", "code", "uscc")
    list_select_related = ("parent",)
    ordering = ("path",)


@admin.register(Employer)
class EmployerAdmin(ScopedReadOnlyAdmin):
    path_field = ("union__path", "managing_union__path")
    list_display = (
        "name",
        "uscc",
        "industry",
        "district",
        "headcount",
        "unionised",
        "union",
        "managing_union",
    )
    list_filter = ("industry", "unionised", "district")
    search_fields = ("name", "uscc")
    list_select_related = ("union", "managing_union")


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(ScopedReadOnlyAdmin):
    list_display = ("user", "union", "role", "active", "granted_at", "revoked_at")
    list_filter = ("role", "active")
    search_fields = ("user__username", "user__display_name", "union__name", "union__code")
    list_select_related = ("user", "union")


@admin.register(UnionEvent)
class UnionEventAdmin(ScopedReadOnlyAdmin):
    list_display = ("at", "union", "kind", "actor")
    list_filter = ("kind",)
    search_fields = ("union__name", "union__code")
    list_select_related = ("union", "actor")
    date_hierarchy = "at"


@admin.register(HomeRating)
class HomeRatingAdmin(ScopedReadOnlyAdmin):
    list_display = ("year", "level", "kind", "union", "note")
    list_filter = ("year", "level", "kind")
    list_select_related = ("union",)


@admin.register(VolunteerTeam)
class VolunteerTeamAdmin(ScopedReadOnlyAdmin):
    list_display = ("name", "tier", "union", "parent")
    list_filter = ("tier",)
    list_select_related = ("union", "parent")
