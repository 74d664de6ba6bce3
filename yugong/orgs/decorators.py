from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse

from yugong.core.errors import PermissionDenied

from .access import is_staff_member


def is_console_user(user: Any) -> bool:
    return bool(
        getattr(user, "is_authenticated", False)
        and (user.is_staff or user.admin_role or user.is_superuser or is_staff_member(user))
    )


def console_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Staff console pages: signed in, and staff (a role at a node, or a system administrator)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            from django.urls import reverse

            return redirect_to_login(request.get_full_path(), reverse("accounts:staff_login"))
        if not is_console_user(request.user):
            raise PermissionDenied()
        return view(request, *args, **kwargs)

    return wrapped
