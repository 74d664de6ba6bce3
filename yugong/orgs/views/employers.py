"""Console pages of employers."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from yugong.accounts.models import request_user
from yugong.core.errors import PermissionDenied, ValidationFailed

from .. import selectors, services
from ..access import MANAGE_ROLES, access_object, can_act, require_role, scope_paths
from ..decorators import console_required
from ..forms import EmployerForm, apply_errors
from ..models import Employer, Industry
from .common import _bool_param, _ctx, _union_field


@console_required
@require_GET
def employers(request: HttpRequest) -> HttpResponse:
    filters: dict[str, Any] = {
        "q": request.GET.get("q", "").strip(),
        "industry": request.GET.get("industry", "")
        if request.GET.get("industry", "") in Industry.values
        else "",
        "unionised": _bool_param(request.GET.get("unionised")),
    }
    page = Paginator(selectors.employer_search(request.user, **filters), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "orgs/employers.html",
        _ctx(request, page=page, filters=filters, industries=Industry.choices),
    )


def _employer(request: HttpRequest, pk: int) -> Employer:
    return access_object(
        Employer.objects.select_related("union", "managing_union"),
        request.user,
        pk,
        path_field=selectors.EMPLOYER_PATHS,
    )


@console_required
@require_GET
def employer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    employer = _employer(request, pk)
    anchor = employer.union or employer.managing_union
    return render(
        request,
        "orgs/employer_detail.html",
        _ctx(
            request,
            employer=employer,
            can_manage=anchor is not None and can_act(request.user, anchor, MANAGE_ROLES),
        ),
    )


@console_required
@require_http_methods(["GET", "POST"])
def employer_create(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    if not scope_paths(user, MANAGE_ROLES):
        raise PermissionDenied()
    form = EmployerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            data = dict(form.cleaned_data)
            data["managing_union"] = _union_field(form, "managing_union", user, MANAGE_ROLES)
            data["union"] = _union_field(form, "union", user, MANAGE_ROLES)
            employer = services.employer_create(actor=user, **data)
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("已登记用人单位。"))
            return HttpResponseRedirect(reverse("orgs:employer_detail", args=[employer.pk]))
    return render(
        request,
        "orgs/form.html",
        _ctx(request, form=form, title=_("登记用人单位")),
        status=422 if form.errors else 200,
    )


@console_required
@require_http_methods(["GET", "POST"])
def employer_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    employer = _employer(request, pk)
    anchor = employer.union or employer.managing_union
    if anchor is None:
        raise PermissionDenied()
    require_role(user, anchor, MANAGE_ROLES)
    initial = {
        "name": employer.name,
        "uscc": employer.uscc,
        "industry": employer.industry,
        "district": employer.district,
        "address": employer.address,
        "headcount": employer.headcount,
        "managing_union": employer.managing_union_id,
        "union": employer.union_id,
    }
    form = EmployerForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            data = dict(form.cleaned_data)
            data["managing_union"] = _union_field(form, "managing_union", user, MANAGE_ROLES)
            data["union"] = _union_field(form, "union", user, MANAGE_ROLES)
            services.employer_update(actor=user, employer=employer, **data)
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("已保存。"))
            return HttpResponseRedirect(reverse("orgs:employer_detail", args=[employer.pk]))
    return render(
        request,
        "orgs/form.html",
        _ctx(request, form=form, title=_("编辑用人单位")),
        status=422 if form.errors else 200,
    )
