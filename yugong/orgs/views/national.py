"""Console page of the 全国模范职工之家 step: recommendations of 市级 titles to the ACFTU and the
national results recorded by city staff (``services.national``)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from yugong.accounts.models import request_user
from yugong.core.errors import ApplicationError, reraise_refusal

from .. import selectors, services
from ..decorators import console_required
from ..forms import HomeNationalRecommendForm, HomeNationalResultForm
from ..models import HomeNationalNomination
from ..services.homes import holds_role_at
from .common import _ctx


@console_required
@require_GET
def nominations(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    # Who may record the result: staff at the recommending federation itself.
    rows = [
        (n, n.status == HomeNationalNomination.Status.RECOMMENDED and holds_role_at(user, n.recommender))
        for n in selectors.home_nominations(user)[:300]
    ]
    return render(
        request,
        "orgs/home_national.html",
        _ctx(
            request,
            nominations=rows,
            nominable=selectors.home_nominable(user),
            recommend_form=HomeNationalRecommendForm(),
            result_form=HomeNationalResultForm(),
        ),
    )


@console_required
@require_POST
def recommend(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    form = HomeNationalRecommendForm(request.POST)
    try:
        data = form.valid_or_raise()
        services.home_national_recommend(actor=user, rating_id=data["rating"], note=data["note"])
    except ApplicationError as exc:
        reraise_refusal(exc)
        for line in form.messages_of(exc):
            messages.error(request, line)
    else:
        messages.success(request, _("已推荐全国总工会。"))
    return HttpResponseRedirect(reverse("orgs:home_national"))


@console_required
@require_POST
def result(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    form = HomeNationalResultForm(request.POST)
    try:
        data = form.valid_or_raise()
        services.home_national_result_record(
            actor=user,
            nomination_id=pk,
            conferred=data["conferred"],
            document_no=data["document_no"],
            document_date=data["document_date"],
            note=data["note"],
        )
    except ApplicationError as exc:
        reraise_refusal(exc)
        for line in form.messages_of(exc):
            messages.error(request, line)
    else:
        messages.success(request, _("已登记全国总工会的结果。"))
    return HttpResponseRedirect(reverse("orgs:home_national"))
