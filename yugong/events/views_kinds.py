"""Pages of each kind of activity: contest works (submit, my works, the gallery with votes, the
ranking; the staff review queue), 相亲联谊 (real-name sign-up with consent, my card, the
participants, my matches), 爱心托管 (enrol a child; the staff's daily roster and age groups) and
健身打卡 (check in, my streak, the board).

Views parse (forms) and render; every rule is the service's (``kinds``, ``works``) — the same
functions the API calls — and every read is a selector (``selectors_kinds``)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yugong.accounts.models import request_user
from yugong.core import timeutil
from yugong.core.audit import audit_pii_view
from yugong.core.context import client_ip
from yugong.core.errors import ApplicationError, NotFound, reraise_refusal
from yugong.core.pii import mask_name
from yugong.orgs.decorators import console_required, worker_required

from . import kinds, works
from . import selectors_kinds as sk
from .forms import (
    AttendanceForm,
    ChildcareGroupForm,
    ChildEnrolForm,
    FitnessForm,
    MatchCardForm,
    MatchSignupForm,
    RosterDayForm,
    WorkQueueForm,
    WorkReviewForm,
    WorkSubmitForm,
)
from .models import ActivityKind, SignUp
from .models_kinds import Work

CSS = "yugong/activity_kinds.css"


def _h5(
    request: HttpRequest, template: str, ctx: dict[str, Any], *, tab: str = "home", status: int = 200
) -> HttpResponse:
    return render(request, f"events/kinds/{template}", {"tab": tab, **ctx}, status=status)


def _console(request: HttpRequest, template: str, ctx: dict[str, Any], status: int = 200) -> HttpResponse:
    return render(request, f"events/kinds/{template}", {"section": "services", **ctx}, status=status)


def _taking_part(signup: SignUp | None) -> bool:
    return signup is not None and signup.status in kinds.TAKING_PART


# --- contest works ------------------------------------------------------------------------------


def _contest_figures(activity: Any) -> list[tuple[int, str]]:
    totals = sk.gallery_totals(activity)
    return [
        (totals["works"], _("公开作品")),
        (totals["votes"], _("累计票数")),
        (totals["entrants"], _("参赛人数")),
    ]


def works_gallery(request: HttpRequest, activity_id: int) -> HttpResponse:
    """Published works with a vote button each; what is left of today's vote."""
    activity = sk.kind_activity(activity_id, ActivityKind.CONTEST)
    voted = sk.vote_today(request.user, activity)
    signup = sk.my_signup(request.user, activity)
    ctx = {
        "activity": activity,
        "cards": sk.gallery(activity),
        "figures": _contest_figures(activity),
        "voted": voted,
        "votes_left": 0 if voted else sk.VOTES_PER_DAY,
        "signup": signup,
        "may_submit": _taking_part(signup),
        "voting_open": activity.status in kinds.VOTING_STATUSES,
    }
    return _h5(request, "works_gallery.html", ctx)


def works_ranking(request: HttpRequest, activity_id: int) -> HttpResponse:
    activity = sk.kind_activity(activity_id, ActivityKind.CONTEST)
    ctx = {"activity": activity, "cards": sk.ranking(activity), "figures": _contest_figures(activity)}
    return _h5(request, "works_ranking.html", ctx)


@require_POST
@worker_required
def work_vote(request: HttpRequest, work_id: int) -> HttpResponse:
    """One vote (``kinds.vote_cast``, as ``POST /api/v1/activities/works/{id}/votes``)."""
    try:
        vote = kinds.vote_cast(actor=request_user(request), work_id=work_id, ip=client_ip(request.META))
    except ApplicationError as exc:
        reraise_refusal(exc)
        messages.error(request, str(exc.message))
        activity_id = Work.objects.filter(pk=work_id).values_list("activity_id", flat=True).first()
        if activity_id is None:
            raise NotFound() from None
    else:
        activity_id = vote.activity_id
        messages.success(
            request,
            _("投票成功，感谢参与！明天还可以再投一票。") if not vote.flag else _("投票已记录。"),
        )
    return redirect(reverse("events:kinds_works", args=[activity_id]) + f"#work-{work_id}")


@worker_required
def work_submit(request: HttpRequest, activity_id: int) -> HttpResponse:
    activity = sk.kind_activity(activity_id, ActivityKind.CONTEST)
    signup = sk.my_signup(request.user, activity)
    form = WorkSubmitForm(request.POST or None, request.FILES or None)
    status = 422
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            works.work_submit(
                actor=request_user(request),
                activity_id=activity.pk,
                kind=d["kind"],
                title=d["title"],
                body=d["body"],
                picture=d["picture"],
                video=d["video"],
            )
        except ApplicationError as exc:
            reraise_refusal(exc)
            form.take_errors(exc)
            status = exc.status
        else:
            messages.success(request, _("作品已提交，审核通过后将在作品展示中公开。"))
            return redirect("events:kinds_my_works")
    ctx = {
        "activity": activity,
        "form": form,
        "signup": signup,
        "may_submit": _taking_part(signup),
        "per_entrant": works.works_per_entrant(),
        "video_mb": works.max_video_bytes() // (1024 * 1024),
        "picture_mb": works.max_picture_bytes() // (1024 * 1024),
    }
    return _h5(request, "work_submit.html", ctx, status=status if form.errors else 200)


@worker_required
def my_works(request: HttpRequest) -> HttpResponse:
    return _h5(request, "my_works.html", {"cards": sk.my_works(request.user)}, tab="me")


@console_required
def console_works(request: HttpRequest) -> HttpResponse:
    """The review queue: works of contests organised in the officer's subtree."""
    pick = WorkQueueForm(request.GET)
    status = (pick.cleaned_data.get("status") if pick.is_valid() else "") or Work.Status.PENDING
    ctx = {
        "cards": sk.review_queue(request.user, status=status),
        "counts": sk.review_counts(request.user),
        "status": status,
        "statuses": Work.Status.choices,
        "form": WorkReviewForm(),
    }
    return _console(request, "console_works.html", ctx)


@require_POST
@console_required
def console_work_review(request: HttpRequest, work_id: int) -> HttpResponse:
    form = WorkReviewForm(request.POST)
    try:
        d = form.valid_or_raise()
        work = kinds.work_review(
            actor=request_user(request), work_id=work_id, publish=d["decision"] == "approve", note=d["note"]
        )
    except ApplicationError as exc:
        reraise_refusal(exc)
        for line in form.messages_of(exc):
            messages.error(request, line)
    else:
        if work.status == Work.Status.PUBLISHED:
            messages.success(request, _("《%(title)s》已通过审核并公开。") % {"title": work.title})
        else:
            messages.success(request, _("《%(title)s》未通过审核，意见已告知作者。") % {"title": work.title})
    return redirect(reverse("events:console_works") + f"#work-{work_id}")


# --- 相亲联谊 ------------------------------------------------------------------------------------


def _match_ctx(request: HttpRequest, activity: Any) -> dict[str, Any]:
    signup = sk.my_signup(request.user, activity)
    won = signup is not None and signup.status == SignUp.Status.WON
    actor = request_user(request) if won else None
    profile = kinds.match_profile_mine(actor=actor, activity_id=activity.pk) if actor else None
    cards = kinds.match_cards(actor=actor, activity_id=activity.pk, reveal=False) if actor else []
    return {
        "activity": activity,
        "signup": signup,
        "profile": profile,
        "cards": [c for c in cards if not c.mutual],
        "mutual": sum(1 for c in cards if c.mutual),
        "real_name": mask_name(sk.member_name(request.user)),
        "consent_version": kinds.MATCH_CONSENT_VERSION,
        "form": MatchSignupForm(),
    }


def match_home(request: HttpRequest, activity_id: int) -> HttpResponse:
    """The consent text and sign-up; once drawn: my card and the participants (no contact here)."""
    activity = sk.kind_activity(activity_id, ActivityKind.MATCHMAKING)
    return _h5(request, "match_home.html", _match_ctx(request, activity))


@require_POST
@worker_required
def match_signup(request: HttpRequest, activity_id: int) -> HttpResponse:
    activity = sk.kind_activity(activity_id, ActivityKind.MATCHMAKING)
    form = MatchSignupForm(request.POST)
    try:
        d = form.valid_or_raise()
        kinds.match_signup(actor=request_user(request), activity_id=activity.pk, consent=d["consent"])
    except ApplicationError as exc:
        reraise_refusal(exc)
        ctx = _match_ctx(request, activity)
        ctx["errors"] = form.messages_of(exc)
        return _h5(request, "match_home.html", ctx, status=exc.status)
    messages.success(request, _("已实名报名，请留意抽签结果。"))
    return redirect("events:kinds_match", activity.pk)


@worker_required
def match_card(request: HttpRequest, activity_id: int) -> HttpResponse:
    activity = sk.kind_activity(activity_id, ActivityKind.MATCHMAKING)
    profile = kinds.match_profile_mine(actor=request_user(request), activity_id=activity.pk)
    initial = {"nickname": profile.nickname, "intro": profile.intro} if profile else {}
    form = MatchCardForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            kinds.match_profile_save(
                actor=request_user(request), activity_id=activity.pk, **form.cleaned_data
            )
        except ApplicationError as exc:
            reraise_refusal(exc)
            form.take_errors(exc)
        else:
            messages.success(request, _("资料卡已保存。"))
            return redirect("events:kinds_match", activity.pk)
    ctx = {"activity": activity, "form": form, "profile": profile}
    return _h5(request, "match_card.html", ctx, status=422 if form.errors else 200)


@require_POST
@worker_required
def match_interest(request: HttpRequest, activity_id: int, profile_id: int) -> HttpResponse:
    """Express interest (``kinds.match_interest``, as the API); mutual → my matches."""
    try:
        mutual = kinds.match_interest(
            actor=request_user(request), activity_id=activity_id, target_id=profile_id
        )
    except ApplicationError as exc:
        reraise_refusal(exc)
        messages.error(request, str(exc.message))
        return redirect("events:kinds_match", activity_id)
    if mutual:
        messages.success(request, _("你们互相有意！对方的实名与联系方式已在“我的配对”中显示。"))
        return redirect("events:kinds_match_matches", activity_id)
    messages.success(request, _("已表达意向。对方也选择你时，双方才会看到彼此的联系方式。"))
    return redirect("events:kinds_match", activity_id)


@worker_required
def match_matches(request: HttpRequest, activity_id: int) -> HttpResponse:
    """Mutual matches with real name and contact (decrypted and audited by ``kinds.match_cards``)."""
    activity = sk.kind_activity(activity_id, ActivityKind.MATCHMAKING)
    cards = kinds.match_cards(actor=request_user(request), activity_id=activity.pk)
    return _h5(request, "match_matches.html", {"activity": activity, "cards": [c for c in cards if c.mutual]})


# --- 爱心托管 -------------------------------------------------------------------------------------


def _childcare_ctx(request: HttpRequest, activity: Any, form: ChildEnrolForm | None = None) -> dict[str, Any]:
    signup = sk.my_signup(request.user, activity)
    return {
        "activity": activity,
        "groups": sk.childcare_groups(activity),
        "signup": signup,
        "may_enrol": _taking_part(signup),
        "children": sk.my_children(signup) if signup is not None else [],
        "form": form or ChildEnrolForm(),
    }


def childcare_home(request: HttpRequest, activity_id: int) -> HttpResponse:
    activity = sk.kind_activity(activity_id, ActivityKind.CHILDCARE)
    return _h5(request, "childcare_home.html", _childcare_ctx(request, activity))


@require_POST
@worker_required
def childcare_enrol(request: HttpRequest, activity_id: int) -> HttpResponse:
    activity = sk.kind_activity(activity_id, ActivityKind.CHILDCARE)
    form = ChildEnrolForm(request.POST)
    status = 422
    if form.is_valid():
        try:
            kinds.child_enrol(actor=request_user(request), activity_id=activity.pk, **form.cleaned_data)
        except ApplicationError as exc:
            reraise_refusal(exc)
            form.take_errors(exc)
            status = exc.status
        else:
            messages.success(request, _("报名成功，已为孩子保留托管名额。"))
            return redirect("events:kinds_childcare", activity.pk)
    return _h5(request, "childcare_home.html", _childcare_ctx(request, activity, form), status=status)


@console_required
def console_childcare(request: HttpRequest, activity_id: int) -> HttpResponse:
    """The day's roster with a check box per child (one POST marks the day) and the age groups."""
    user = request_user(request)
    activity = sk.staff_kind_activity(user, activity_id, ActivityKind.CHILDCARE)
    pick = RosterDayForm(request.GET)
    day = (pick.cleaned_data.get("day") if pick.is_valid() else None) or timeutil.local_today()
    roster = sk.childcare_roster(activity, day)
    attendance = AttendanceForm(
        initial={"day": day, "present": [r.enrolment.pk for r in roster if r.present]},
        children=[r.enrolment.pk for r in roster],
    )
    status = 200
    if request.method == "POST":
        attendance = AttendanceForm(request.POST, children=[r.enrolment.pk for r in roster])
        try:
            d = attendance.valid_or_raise()
            n = kinds.childcare_attendance_record(
                actor=user, activity_id=activity.pk, enrolment_ids=d["present"], day=d["day"]
            )
        except ApplicationError as exc:
            reraise_refusal(exc)
            if not attendance.errors:
                attendance.apply_errors(exc)
            status = 422
        else:
            messages.success(
                request,
                _("%(day)s考勤已保存，新登记 %(n)s 人。") % {"day": d["day"].strftime("%Y-%m-%d"), "n": n},
            )
            url = reverse("events:console_childcare", args=[activity.pk])
            return redirect(f"{url}?day={d['day']:%Y-%m-%d}")
    return _roster_page(request, activity, day, roster, attendance, ChildcareGroupForm(), status)


@require_POST
@console_required
def console_childcare_group(request: HttpRequest, activity_id: int) -> HttpResponse:
    user = request_user(request)
    activity = sk.staff_kind_activity(user, activity_id, ActivityKind.CHILDCARE)
    form = ChildcareGroupForm(request.POST)
    if form.is_valid():
        try:
            kinds.childcare_group_add(actor=user, activity_id=activity.pk, **form.cleaned_data)
        except ApplicationError as exc:
            reraise_refusal(exc)
            form.take_errors(exc)
        else:
            messages.success(request, _("已添加班组。"))
            return redirect("events:console_childcare", activity.pk)
    day = timeutil.local_today()
    roster = sk.childcare_roster(activity, day)
    attendance = AttendanceForm(
        initial={"day": day, "present": [r.enrolment.pk for r in roster if r.present]},
        children=[r.enrolment.pk for r in roster],
    )
    return _roster_page(request, activity, day, roster, attendance, form, 422)


def _roster_page(
    request: HttpRequest,
    activity: Any,
    day: Any,
    roster: list[sk.ChildRow],
    attendance: AttendanceForm,
    group_form: ChildcareGroupForm,
    status: int,
) -> HttpResponse:
    if roster:  # staff see the children's names in clear: one audit row per roster shown
        audit_pii_view(actor=request.user, obj=activity, fields=["child_name"], union_id=activity.union_id)
    ctx = {
        "activity": activity,
        "day": day,
        "today": timeutil.local_today(),
        "roster": roster,
        "present": sum(1 for r in roster if r.present),
        "groups": sk.childcare_groups(activity),
        "days": sk.attendance_days(activity),
        "attendance": attendance,
        "group_form": group_form,
    }
    return _console(request, "console_childcare.html", ctx, status)


# --- 健身打卡 -------------------------------------------------------------------------------------


def _fitness_ctx(request: HttpRequest, activity: Any, form: FitnessForm | None = None) -> dict[str, Any]:
    signup = sk.my_signup(request.user, activity)
    taking_part = _taking_part(signup)
    mine = sk.fitness_mine(signup) if taking_part and signup is not None else None
    if form is None:
        today = mine.today if mine else None
        form = FitnessForm(
            initial={"steps": today.steps, "distance_km": today.distance_m / 1000} if today else {}
        )
    return {
        "activity": activity,
        "signup": signup,
        "may_check_in": taking_part,
        "mine": mine,
        "board": sk.fitness_board_rows(activity, signup),
        "form": form,
    }


def fitness_home(request: HttpRequest, activity_id: int) -> HttpResponse:
    activity = sk.kind_activity(activity_id, ActivityKind.FITNESS)
    return _h5(request, "fitness_home.html", _fitness_ctx(request, activity))


@require_POST
@worker_required
def fitness_checkin(request: HttpRequest, activity_id: int) -> HttpResponse:
    activity = sk.kind_activity(activity_id, ActivityKind.FITNESS)
    form = FitnessForm(request.POST)
    if form.is_valid():
        try:
            kinds.fitness_record(
                actor=request_user(request),
                activity_id=activity.pk,
                steps=form.cleaned_data["steps"],
                distance_m=form.distance_m(),
            )
        except ApplicationError as exc:
            reraise_refusal(exc)
            form.take_errors(exc)
        else:
            messages.success(request, _("今日打卡成功，继续保持！"))
            return redirect("events:kinds_fitness", activity.pk)
    return _h5(request, "fitness_home.html", _fitness_ctx(request, activity, form), status=422)
