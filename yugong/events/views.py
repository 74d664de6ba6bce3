"""Worker pages: activities, sign-up, my sign-ups, and the public lottery record."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from yugong.accounts.models import request_user
from yugong.core.errors import ApplicationError
from yugong.orgs.decorators import console_required

from . import selectors, services
from .forms import ACTION_FORMS


def _h5(request: HttpRequest, template: str, ctx: dict[str, Any]) -> HttpResponse:
    return render(request, template, {"tab": "home", **ctx})


def h5_list(request: HttpRequest) -> HttpResponse:
    return _h5(request, "events/h5_list.html", {"activities": list(selectors.open_activities()[:50])})


def h5_detail(request: HttpRequest, activity_id: int) -> HttpResponse:
    activity = selectors.public_activity(activity_id)
    mine = None
    if request.user.is_authenticated:
        mine = selectors.my_signups(request.user).filter(activity=activity).first()
    return _h5(request, "events/h5_detail.html", {"activity": activity, "mine": mine, "error": ""})


@require_POST
@login_required(login_url="accounts:login")
def h5_signup(request: HttpRequest, activity_id: int) -> HttpResponse:
    try:
        services.signup_create(actor=request_user(request), activity_id=activity_id)
    except ApplicationError as exc:
        activity = selectors.public_activity(activity_id)
        ctx = {"activity": activity, "mine": None, "error": str(exc.message)}
        return render(request, "events/h5_detail.html", {"tab": "home", **ctx}, status=exc.status)
    return redirect("events:h5_mine")


@login_required(login_url="accounts:login")
def h5_mine(request: HttpRequest) -> HttpResponse:
    return _h5(request, "events/h5_mine.html", {"signups": list(selectors.my_signups(request.user)[:50])})


def h5_lottery(request: HttpRequest, activity_id: int) -> HttpResponse:
    """The commitment, the revealed seed, the list and the winners: enough to re-compute the draw."""
    activity = selectors.public_activity(activity_id)
    rows = selectors.draw_list(activity) if activity.drawn_at else []
    return _h5(request, "events/h5_lottery.html", {"activity": activity, "rows": rows})


# --- staff console ---------------------------------------------------------------------------------


def _console(request: HttpRequest, template: str, ctx: dict[str, Any], status: int = 200) -> HttpResponse:
    return render(request, template, {"section": "services", **ctx}, status=status)


@console_required
def console_list(request: HttpRequest) -> HttpResponse:
    rows = list(selectors.staff_activities(request.user)[:100])
    return _console(request, "events/console_list.html", {"activities": rows})


@console_required
def console_detail(request: HttpRequest, activity_id: int) -> HttpResponse:
    """Results, quota allocation and the draw of one activity in the officer's scope."""
    user = request_user(request)
    activity = selectors.staff_activity(user, activity_id)
    error = ""
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            form = ACTION_FORMS.get(action)
            d = form(request.POST).valid_or_raise() if form is not None else {}
            if action == "allocate":
                services.quota_allocate(actor=user, activity_id=activity.pk, **d)
            elif action == "draw":
                services.activity_draw(actor=user, activity_id=activity.pk, seed=d["seed"])
            return redirect("events:console_detail", activity.pk)
        except ApplicationError as exc:
            error = " ".join([str(exc.message)] + [str(m) for ms in exc.fields.values() for m in ms])
        activity.refresh_from_db()
    ctx = {
        "activity": activity,
        "quotas": list(activity.quotas.select_related("union").order_by("union_path")),
        "counts": selectors.status_counts(activity),
        "error": error,
    }
    return _console(request, "events/console_detail.html", ctx, **({"status": 422} if error else {}))
