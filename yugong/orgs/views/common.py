"""Helpers shared by the orgs console pages."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from yugong.core.errors import NotFound, PermissionDenied, ValidationFailed

from ..access import access_union, require_role
from ..acting import acting_union
from ..models import Union


def _ctx(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    return {"section": "orgs", "acting": acting_union(request), **extra}


def _union_field(form: Any, field: str, user: Any, roles: frozenset[str] | None = None) -> Union | None:
    """Resolve a typed union id through the access layer; unknown and out-of-scope look alike."""
    value = form.cleaned_data.get(field)
    if value in (None, ""):
        return None
    try:
        union = access_union(user, value)
        if roles is not None:
            require_role(user, union, roles)
    except NotFound:
        raise ValidationFailed(fields={field: _("未找到该工会，或不在您的管辖范围内。")}) from None
    except PermissionDenied:
        raise ValidationFailed(fields={field: _("您在该工会没有执行此操作的岗位角色。")}) from None
    return union


def _bool_param(value: str | None) -> bool | None:
    return {"1": True, "0": False}.get(value or "")


def _form_page(
    request: HttpRequest, template: str, union: Union, form: Any, title: str, **extra: Any
) -> HttpResponse:
    status = 422 if request.method == "POST" else 200
    return render(
        request, template, _ctx(request, union=union, form=form, title=title, **extra), status=status
    )
