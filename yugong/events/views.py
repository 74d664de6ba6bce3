"""Worker pages: activities, sign-up, my sign-ups, and the public lottery record."""

from __future__ import annotations

import io
from typing import Any

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yugong.accounts.models import request_user
from yugong.core.errors import ApplicationError, NotFound, reraise_refusal
from yugong.orgs import access
from yugong.orgs.decorators import console_required
from yugong.orgs.models import Union

from . import attendance, selectors, services
from .forms import ACTION_FORMS, ActivityForm, CheckinForm, GroupSignupForm, UnionPickForm
from .models import Activity, SignUp


def _h5(request: HttpRequest, template: str, ctx: dict[str, Any]) -> HttpResponse:
    return render(request, template, {"tab": "home", **ctx})


def h5_list(request: HttpRequest) -> HttpResponse:
    activities = selectors.with_phase(selectors.open_activities()[:50])
    return _h5(request, "events/h5_list.html", {"activities": activities})


def _detail(request: HttpRequest, activity: Activity, error: str = "") -> dict[str, Any]:
    mine = None
    if request.user.is_authenticated and not error:
        mine = selectors.my_signups(request.user).filter(activity=activity).first()
    return {"activity": selectors.with_phase([activity])[0], "mine": mine, "error": error}


def h5_detail(request: HttpRequest, activity_id: int) -> HttpResponse:
    return _h5(request, "events/h5_detail.html", _detail(request, selectors.public_activity(activity_id)))


@require_POST
@login_required(login_url="accounts:login")
def h5_signup(request: HttpRequest, activity_id: int) -> HttpResponse:
    try:
        services.signup_create(actor=request_user(request), activity_id=activity_id)
    except ApplicationError as exc:
        ctx = _detail(request, selectors.public_activity(activity_id), str(exc.message))
        return render(request, "events/h5_detail.html", {"tab": "home", **ctx}, status=exc.status)
    return redirect("events:h5_mine")


@login_required(login_url="accounts:login")
def h5_mine(request: HttpRequest) -> HttpResponse:
    return _h5(request, "events/h5_mine.html", {"signups": list(selectors.my_signups(request.user)[:50])})


LOTTERY_PAGE = 100  # entries of the published list a page


def h5_lottery(request: HttpRequest, activity_id: int) -> HttpResponse:
    """The commitment, the revealed seed, each pool's places, the list and the winners — enough to
    re-compute the draw (all of it in the JSON download) — a page at a time, the viewer's own
    numbers first and any number looked up."""
    activity = selectors.public_activity(activity_id)
    ctx: dict[str, Any] = {"activity": activity, "pools": [], "page": None, "mine": [], "found": None}
    if activity.drawn_at:
        ctx["pools"] = selectors.draw_pools(activity)
        ctx["page"] = Paginator(selectors.draw_list(activity), LOTTERY_PAGE).get_page(request.GET.get("page"))
        if request.user.is_authenticated:
            ctx["mine"] = list(selectors.my_signups(request.user).filter(activity=activity, in_draw=True))
        number = request.GET.get("n", "").strip()[:40]
        if number:
            ctx["looked_up"] = number
            ctx["found"] = selectors.draw_entry(activity, number)
    return _h5(request, "events/h5_lottery.html", ctx)


def h5_lottery_record(request: HttpRequest, activity_id: int) -> StreamingHttpResponse:
    """The draw's published record (JSON) that ``lottery.py`` re-computes: 404 before the draw."""
    activity = selectors.public_activity(activity_id)
    if not activity.drawn_at:
        raise NotFound()
    response = StreamingHttpResponse(selectors.published_record(activity), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="lottery-{activity.pk}.json"'
    return response


# --- worker: offers, withdrawal, the check-in code ----------------------------------------------------


@require_POST
@login_required(login_url="accounts:login")
def h5_signup_action(request: HttpRequest, signup_id: int, action: str) -> HttpResponse:
    handlers = {"accept": services.signup_offer_accept, "withdraw": services.signup_withdraw}
    if action not in handlers:
        raise NotFound()
    try:
        handlers[action](actor=request_user(request), signup_id=signup_id)
    except ApplicationError as exc:
        reraise_refusal(exc)
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("已确认递补名额。") if action == "accept" else _("已退出报名。"))
    return redirect("events:h5_mine")


@login_required(login_url="accounts:login")
def h5_checkin_qr(request: HttpRequest, signup_id: int) -> HttpResponse:
    """The winner's check-in code as an SVG QR (only their own, only while they hold a place)."""
    signup = selectors.my_signups(request.user).filter(pk=signup_id, status=SignUp.Status.WON).first()
    if signup is None:
        raise NotFound()
    buffer = io.BytesIO()
    segno.make(attendance.checkin_token(signup), error="m").save(buffer, kind="svg", scale=6, border=2)
    response = HttpResponse(buffer.getvalue(), content_type="image/svg+xml")
    response["Cache-Control"] = "private, no-store"
    return response


# --- staff console ---------------------------------------------------------------------------------


def _console(request: HttpRequest, template: str, ctx: dict[str, Any], status: int = 200) -> HttpResponse:
    return render(request, template, {"section": "services", **ctx}, status=status)


@console_required
def console_list(request: HttpRequest) -> HttpResponse:
    rows = list(selectors.staff_activities(request.user)[:100])
    can_create = access.staff_scope(request.user, services.ORGANISER_ROLES).exists()
    return _console(request, "events/console_list.html", {"activities": rows, "can_create": can_create})


def _organiser_unions(request: HttpRequest) -> list[tuple[int, str]]:
    return [(u.pk, u.name) for u in access.staff_scope(request.user, services.ORGANISER_ROLES)]


@console_required
def console_new(request: HttpRequest) -> HttpResponse:
    unions = _organiser_unions(request)
    if not unions:
        raise NotFound()
    form = ActivityForm(request.POST or None, unions=unions, initial={"members_only": True})
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            activity = services.activity_create(
                actor=request_user(request), union_id=data.pop("union"), **data
            )
        except ApplicationError as exc:
            reraise_refusal(exc)
            form.take_errors(exc)
        else:
            messages.success(request, _("活动已发布。"))
            return redirect("events:console_detail", activity.pk)
    return _console(
        request, "events/console_form.html", {"form": form, "activity": None}, 422 if form.errors else 200
    )


@console_required
def console_edit(request: HttpRequest, activity_id: int) -> HttpResponse:
    activity = selectors.staff_activity(request.user, activity_id)
    initial = {f: getattr(activity, f) for f in ActivityForm.EDIT_FIELDS}
    form = ActivityForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.activity_update(
                actor=request_user(request), activity_id=activity.pk, **form.cleaned_data
            )
        except ApplicationError as exc:
            reraise_refusal(exc)
            form.take_errors(exc)
        else:
            messages.success(request, _("已保存。"))
            return redirect("events:console_detail", activity.pk)
    ctx = {"form": form, "activity": activity}
    return _console(request, "events/console_form.html", ctx, 422 if form.errors else 200)


def _quota_unions(request: HttpRequest, activity: Activity) -> list[tuple[int, str]]:
    """Unions below the organiser, inside the officer's subtree, two levels deep at most."""
    qs = access.scope_filter(
        Union.objects.filter(
            path__startswith=activity.union_path,
            depth__lte=activity.union.depth + 2,
            status=Union.Status.ACTIVE,
        ).exclude(pk=activity.union_id),
        request.user,
        path_field="path",
    )
    return [(u.pk, u.name) for u in qs.order_by("path")[:300]]


@console_required
def console_detail(request: HttpRequest, activity_id: int) -> HttpResponse:
    """Quotas, the seed commitment, the draw and attendance of one activity in the officer's scope."""
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
            elif action == "seed":
                services.activity_commit_seed(actor=user, activity_id=activity.pk, seed_hash=d["seed_hash"])
            elif action == "no_shows":
                n = attendance.activity_record_no_shows(actor=user, activity_id=activity.pk)
                messages.success(request, _("已登记缺席 %(n)s 人。") % {"n": n})
            return redirect("events:console_detail", activity.pk)
        except ApplicationError as exc:
            error = " ".join([str(exc.message)] + [str(m) for ms in exc.fields.values() for m in ms])
        activity.refresh_from_db()
    ctx = {
        "activity": activity,
        "quotas": list(activity.quotas.select_related("union").order_by("union_path")),
        "quota_unions": _quota_unions(request, activity) if activity.status == Activity.Status.OPEN else [],
        "counts": selectors.status_counts(activity),
        "attendance": selectors.attendance(activity),
        "error": error,
    }
    return _console(request, "events/console_detail.html", ctx, **({"status": 422} if error else {}))


@console_required
def console_group(request: HttpRequest, activity_id: int) -> HttpResponse:
    """A union officer signs up several members of their union at once (against its quota). Any
    officer of a union inside the organiser's subtree may, as its members may sign up themselves."""
    activity = selectors.public_activity(activity_id)
    unions = [
        (u.pk, u.name)
        for u in access.staff_scope(request.user, services.ORGANISER_ROLES)
        if u.path.startswith(activity.union_path)
    ]
    if not unions:
        raise NotFound()
    pick = UnionPickForm(request.POST if request.method == "POST" else request.GET)
    wanted = pick.cleaned_data.get("union") if pick.is_valid() else None
    union_id = next((pk for pk, _name in unions if pk == wanted), unions[0][0])
    candidates = selectors.group_candidates(activity, union_id)
    form = GroupSignupForm(
        request.POST or None,
        initial={"union": union_id},
        unions=unions,
        persons=[(m.person_id, f"{m.person_name} · {m.union.name}") for m in candidates],
    )
    if request.method == "POST" and form.is_valid():
        try:
            done = services.signup_group(
                actor=request_user(request),
                activity_id=activity.pk,
                union_id=form.cleaned_data["union"],
                person_ids=form.cleaned_data["persons"],
            )
        except ApplicationError as exc:
            reraise_refusal(exc)
            form.take_errors(exc)
        else:
            messages.success(request, _("已为 %(n)s 名会员报名。") % {"n": len(done)})
            return redirect("events:console_detail", activity.pk)
    ctx = {"activity": activity, "form": form, "union_id": union_id, "candidates": candidates}
    return _console(request, "events/console_group.html", ctx, 422 if form.errors else 200)


@console_required
def console_checkin(request: HttpRequest, activity_id: int) -> HttpResponse:
    """Scan winners' QR codes at the venue (camera or typed code); a repeated scan is harmless."""
    activity = selectors.staff_activity(request.user, activity_id)
    form = CheckinForm(request.POST or None)
    result = None
    if request.method == "POST" and form.is_valid():
        try:
            result = attendance.signup_checkin(
                actor=request_user(request), activity_id=activity.pk, token=form.cleaned_data["token"]
            )
        except ApplicationError as exc:
            reraise_refusal(exc)
            form.take_errors(exc)
        else:
            form = CheckinForm()
    ctx = {"activity": activity, "form": form, "result": result, "attendance": selectors.attendance(activity)}
    return _console(request, "events/console_checkin.html", ctx, 422 if form.errors else 200)
