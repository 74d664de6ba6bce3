"""Worker pages (mobile-first) of volunteer service: open activities, sign-up, my hours (confirm or
dispute), my hours statement; and the activity roll where the team lead (or union staff) records
each volunteer's hours and closes the activity."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from yugong.accounts.models import request_user
from yugong.core.errors import ApplicationError, NotFound, PermissionDenied, reraise_refusal
from yugong.core.timeutil import local_today, now

from .. import selectors, services
from ..access import access_union
from ..decorators import worker_required
from ..forms import CloseActivityForm, DisputeForm, HoursForm, SpecialtyFilterForm
from ..models import ServiceActivity, ServiceSignup


def _h5(request: HttpRequest, template: str, ctx: dict[str, Any], status: int = 200) -> HttpResponse:
    return render(request, template, {"tab": "services", **ctx}, status=status)


@require_GET
def activities(request: HttpRequest) -> HttpResponse:
    form = SpecialtyFilterForm(request.GET or None)
    specialty = form.cleaned_data["specialty"] if form.is_bound and form.is_valid() else ""
    ctx = {"form": form, "activities": selectors.open_activities(specialty=specialty)}
    return _h5(request, "orgs/h5_activities.html", ctx)


def _public_activity(activity_id: int) -> ServiceActivity:
    activity = (
        ServiceActivity.objects.select_related("team", "team__union")
        .exclude(status=ServiceActivity.Status.CANCELLED)
        .filter(pk=activity_id)
        .first()
    )
    if activity is None:
        raise NotFound()
    return activity


@require_GET
def activity(request: HttpRequest, activity_id: int) -> HttpResponse:
    act = _public_activity(activity_id)
    mine = None
    if request.user.is_authenticated:
        mine = ServiceSignup.objects.filter(
            activity=act, user_id=request.user.pk, status=ServiceSignup.Status.ACTIVE
        ).first()
    ctx = {
        "activity": act,
        "mine": mine,
        "open": act.status == ServiceActivity.Status.OPEN and act.starts_at > now(),
        "can_lead": services.can_lead(request.user, act.team),
    }
    return _h5(request, "orgs/h5_activity.html", ctx)


@require_POST
@worker_required
def signup(request: HttpRequest, activity_id: int) -> HttpResponse:
    try:
        services.service_signup(actor=request_user(request), activity_id=activity_id)
    except ApplicationError as exc:
        reraise_refusal(exc)
        messages.error(request, str(exc.message))
        return HttpResponseRedirect(reverse("orgs:v_activity", args=[activity_id]))
    messages.success(request, _("报名成功，请按时到达服务地点。"))
    return HttpResponseRedirect(reverse("orgs:v_mine"))


@require_POST
@worker_required
def signup_cancel(request: HttpRequest, signup_id: int) -> HttpResponse:
    try:
        services.service_signup_cancel(actor=request_user(request), signup_id=signup_id)
    except ApplicationError as exc:
        reraise_refusal(exc)
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("已取消报名。"))
    return HttpResponseRedirect(reverse("orgs:v_mine"))


@require_GET
@worker_required
def mine(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    records = selectors.my_records(user, limit=200)
    ctx = {
        "signups": selectors.my_signups(user),
        "pending": [r for r in records if r.status != "confirmed"],
        "statement": selectors.hours_statement(user),
        "dispute_form": DisputeForm(),
    }
    return _h5(request, "orgs/h5_volunteer_mine.html", ctx)


@require_POST
@worker_required
def record_action(request: HttpRequest, record_id: int, action: str) -> HttpResponse:
    user = request_user(request)
    try:
        if action == "confirm":
            services.service_hours_confirm(actor=user, record_id=record_id)
            messages.success(request, _("已确认服务时长。"))
        elif action == "dispute":
            form = DisputeForm(request.POST)
            services.service_hours_dispute(actor=user, record_id=record_id, **form.valid_or_raise())
            messages.success(request, _("已提出异议，队长更正后请再确认。"))
        else:
            raise NotFound()
    except ApplicationError as exc:
        reraise_refusal(exc)
        messages.error(request, " ".join(DisputeForm(request.POST).messages_of(exc)))
    return HttpResponseRedirect(reverse("orgs:v_mine"))


@require_GET
@worker_required
def statement(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    ctx = {"statement": selectors.hours_statement(user), "today": local_today(), "person": user}
    return _h5(request, "orgs/h5_volunteer_statement.html", ctx)


@require_http_methods(["GET", "POST"])
@worker_required
def roll(request: HttpRequest, activity_id: int) -> HttpResponse:
    """The lead's roll: each volunteer with hours to record; then close with the beneficiaries."""
    user = request_user(request)
    act = _public_activity(activity_id)
    if not services.can_lead(user, act.team):
        # Not the lead and no role over the team's union: the same answer as a missing activity
        # for anyone outside, a refusal for staff who can see the union.
        access_union(user, act.team.union_id)
        raise PermissionDenied()
    hours_form = HoursForm(request.POST if request.POST.get("form") == "hours" else None)
    close_form = CloseActivityForm(request.POST if request.POST.get("form") == "close" else None)
    if request.method == "POST":
        try:
            if close_form.is_bound:
                services.service_activity_close(actor=user, activity_id=act.pk, **close_form.valid_or_raise())
                messages.success(request, _("活动已结束，受益人数已记录。"))
            else:
                data = hours_form.valid_or_raise()
                services.service_hours_record(
                    actor=user,
                    signup_id=data["signup"],
                    hours=data["hours"],
                    description=data["description"],
                )
                messages.success(request, _("已登记时长，等待志愿者确认。"))
        except ApplicationError as exc:
            reraise_refusal(exc)
            for line in (close_form if close_form.is_bound else hours_form).messages_of(exc):
                messages.error(request, line)
        return HttpResponseRedirect(reverse("orgs:v_roll", args=[act.pk]))
    ctx = {
        "activity": act,
        "roll": selectors.activity_roll(act),
        "started": act.starts_at <= now(),
        "close_form": CloseActivityForm(initial={"beneficiary_count": act.beneficiary_count or None}),
    }
    return _h5(request, "orgs/h5_activity_roll.html", ctx)
