"""Worker pages: activities, sign-up, my sign-ups, and the public lottery record."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from yugong.core.errors import ApplicationError

from . import selectors, services


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
        services.signup_create(actor=request.user, activity_id=activity_id)
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
