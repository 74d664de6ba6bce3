"""The page decorators every app uses (one set; apps import them from here, never from the shell).

* :func:`worker_required`: worker pages; anonymous users go to the SMS sign-in and come back.
* :func:`console_required`: staff console pages (a role at a node, or a system administrator).
* :func:`audience_required`: pages for console users and for the partners named by navigation
  audiences (``yugong.core.nav``), e.g. :data:`merchant_required` for the merchant workbench; the
  ``merchant`` predicate is registered by tourism, so orgs never imports it.

A signed-in user who may not open the page gets a 403 page that says why and links to their own
home (the shell's error page)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yugong.core import nav
from yugong.core.errors import PermissionDenied

from .access import is_staff_member

View = Callable[..., HttpResponse]


def is_console_user(user: Any) -> bool:
    return bool(
        getattr(user, "is_authenticated", False)
        and (user.is_staff or user.admin_role or user.is_superuser or is_staff_member(user))
    )


def worker_required(view: View) -> View:
    """Worker pages need an SMS sign-in; come back here afterwards."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            query = urlencode({"next": request.get_full_path()})
            return HttpResponseRedirect(f"{reverse('accounts:login')}?{query}")
        return view(request, *args, **kwargs)

    return wrapped


def console_required(view: View) -> View:
    """Staff console pages: signed in, and staff (a role at a node, or a system administrator)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("accounts:staff_login"))
        if not is_console_user(request.user):
            raise PermissionDenied(_("工作台只对工会工作人员和系统管理员开放，您的账号没有工会岗位。"))
        return view(request, *args, **kwargs)

    return wrapped


def audience_required(*audiences: nav.Audience, message: Any = None) -> Callable[[View], View]:
    """Pages for console users and for anyone in ``audiences`` (partners without a union role)."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path(), reverse("accounts:staff_login"))
            if not is_console_user(request.user) and not nav.allowed(request, audiences):
                raise PermissionDenied(message or _("您的账号不能打开此页面。"))
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


merchant_required = audience_required(
    nav.merchant(), message=gettext_lazy("商户工作台只对商户员工和工会工作人员开放。")
)
