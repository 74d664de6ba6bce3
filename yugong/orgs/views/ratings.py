"""Console pages of 职工之家 ratings."""

from __future__ import annotations

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
from ..access import MANAGE_ROLES, scope_paths
from ..decorators import console_required
from ..forms import HomeRatingForm, apply_errors
from ..models import HomeRating
from .common import _ctx, _union_field


@console_required
@require_GET
def home_ratings(request: HttpRequest) -> HttpResponse:
    try:
        year = int(request.GET.get("year", "") or 0) or None
    except ValueError:
        year = None
    level = request.GET.get("level", "")
    level = level if level in HomeRating.Level.values else ""
    kind = request.GET.get("kind", "")
    kind = kind if kind in HomeRating.Kind.values else ""
    qs = selectors.home_ratings(request.user, year=year, level=level, kind=kind)
    page = Paginator(qs, 100).get_page(request.GET.get("page"))
    return render(
        request,
        "orgs/home_ratings.html",
        _ctx(
            request,
            page=page,
            filters={"year": year, "level": level, "kind": kind},
            levels=HomeRating.Level.choices,
            kinds=HomeRating.Kind.choices,
            can_manage=bool(scope_paths(request.user, MANAGE_ROLES)),
        ),
    )


@console_required
@require_http_methods(["GET", "POST"])
def home_rating_create(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    if not scope_paths(user, MANAGE_ROLES):
        raise PermissionDenied()
    form = HomeRatingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            data = dict(form.cleaned_data)
            data["union"] = _union_field(form, "union", user, MANAGE_ROLES)
            services.home_rating_create(actor=user, **data)
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("已登记职工之家评定。"))
            return HttpResponseRedirect(reverse("orgs:home_ratings"))
    return render(
        request,
        "orgs/form.html",
        _ctx(request, form=form, title=_("登记职工之家评定")),
        status=422 if form.errors else 200,
    )
