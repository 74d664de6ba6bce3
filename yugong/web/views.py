"""The two faces' shells: the worker H5 (mobile-first, bottom tabs) and the staff console
(navigation by scenario, the "acting in" union node). Scenario pages live in their own apps."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yugong.accounts.models import request_user
from yugong.accounts.system import may_administer
from yugong.core import nav
from yugong.core.audit_actions import ACTION_NAMES, action_choices
from yugong.core.context import is_api_request
from yugong.core.errors import NotFound
from yugong.core.forms import NextForm
from yugong.core.models import SmsMessage
from yugong.orgs.acting import acting_set, acting_union
from yugong.orgs.decorators import console_required

from .dashboard import dashboard
from .forms import ActingForm
from .home import home_context
from .selectors import audit_events_search, audit_rows


def _next_url(request: HttpRequest, fallback: str) -> str:
    target = (
        NextForm(request.POST).target() or request.GET.get("next") or request.META.get("HTTP_REFERER", "")
    )
    if target and url_has_allowed_host_and_scheme(
        target, {request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


# --- Worker H5 ------------------------------------------------------------------------------


def h5_home(request: HttpRequest) -> HttpResponse:
    return render(request, "web/h5_home.html", {"tab": "home", **home_context(request)})


def h5_tab(request: HttpRequest, tab: str) -> HttpResponse:
    if tab == "me" and not request.user.is_authenticated:
        return HttpResponseRedirect(f"{reverse('accounts:login')}?next={request.path}")
    spec = nav.find(nav.h5_tabs(request), tab)
    if spec is None or tab == "home":
        raise NotFound()
    return render(request, "web/h5_tab.html", {"tab": tab, "spec": spec})


@require_POST
def toggle_large_font(request: HttpRequest) -> HttpResponse:
    response = HttpResponseRedirect(_next_url(request, reverse("web:home")))
    on = request.COOKIES.get("yg_large_font") != "1"
    response.set_cookie("yg_large_font", "1" if on else "0", max_age=3600 * 24 * 365, samesite="Lax")
    if request.user.is_authenticated and request.user.large_font != on:
        get_user_model().objects.filter(pk=request.user.pk).update(large_font=on)
    return response


# --- Staff console --------------------------------------------------------------------------


@console_required
def console_home(request: HttpRequest) -> HttpResponse:
    figures = dashboard(acting_union(request))
    trends = {f["code"]: f["trend"] for f in figures["flows"]}
    return render(request, "web/console_home.html", {"section": "home", **figures, "trends": trends})


@console_required
def console_section(request: HttpRequest, section: str) -> HttpResponse:
    spec = nav.find(nav.console_sections(request), section)
    if spec is None:
        raise NotFound()
    return render(request, "web/console_section.html", {"section": section, "spec": spec})


@console_required
@require_POST
def console_acting(request: HttpRequest) -> HttpResponse:
    form = ActingForm(request.POST)
    if not form.is_valid() or not acting_set(request, form.cleaned_data["union"]):
        raise NotFound()
    return HttpResponseRedirect(_next_url(request, reverse("web:console")))


def _without_page(request: HttpRequest) -> str:
    """The query string minus ``page`` (every value of a repeated key kept), for pager links."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@console_required
def console_audit(request: HttpRequest) -> HttpResponse:
    def _date(name: str) -> dt.date | None:
        try:
            return dt.date.fromisoformat(request.GET.get(name, ""))
        except ValueError:
            return None

    filters = {
        "q": request.GET.get("q", "").strip(),
        "actor": request.GET.get("actor", "").strip(),
    }
    # The action filter is a choice of names; codes that are not in the registry are ignored.
    actions = [code for code in request.GET.getlist("action") if code in ACTION_NAMES]
    start, end = _date("start"), _date("end")
    events = audit_events_search(request.user, **filters, actions=actions, start=start, end=end)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "web/console_audit.html",
        {
            "section": "system",
            "page": page,
            "rows": audit_rows(request.user, list(page.object_list)),
            "action_choices": action_choices(),
            "query": _without_page(request),
            "filters": {**filters, "actions": actions, "start": start, "end": end},
        },
    )


@console_required
def console_sms_outbox(request: HttpRequest) -> HttpResponse:
    if not may_administer(request_user(request), "sms.outbox"):
        raise NotFound()
    page = Paginator(SmsMessage.objects.order_by("-created_at", "-id"), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "web/console_sms_outbox.html",
        {"section": "system", "page": page},
    )


# --- Error pages (Chinese) ------------------------------------------------------------------


def error_403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(
        request,
        "error.html",
        {"status": 403, "title": _("没有权限"), "message": _("您没有访问此页面的权限。")},
        status=403,
    )


def error_404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if is_api_request(request):
        # An unknown API path answers with the API's error body, not an HTML page.
        return JsonResponse(
            {"code": "not_found", "message": _("接口不存在。"), "fields": {}},
            status=404,
            json_dumps_params={"ensure_ascii": False},
        )
    return render(
        request,
        "error.html",
        {"status": 404, "title": _("页面不存在"), "message": _("您要找的页面不存在，或您无权访问。")},
        status=404,
    )


def error_500(request: HttpRequest) -> HttpResponse:
    if is_api_request(request):
        # A failure outside the API's own handlers (a middleware): still the API's error body.
        return JsonResponse(
            {"code": "server_error", "message": _("服务器内部错误，请稍后重试。"), "fields": {}},
            status=500,
            json_dumps_params={"ensure_ascii": False},
        )
    # Minimal context: the failure may be in the database or a context processor.
    return render(request, "500.html", status=500)


@login_required
def whoami(request: HttpRequest) -> HttpResponse:
    return HttpResponseRedirect(nav.landing_url(request) or reverse("web:home"))
