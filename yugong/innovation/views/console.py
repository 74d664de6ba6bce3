"""Staff console pages (成长 section): studios (register, members, results, ratings), the rating
queue, 五小 review and rewards with the export, and 揭榜挂帅 challenges. Every write goes through a
page form and its service."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yugong.accounts.models import request_user
from yugong.core.audit import audit_pii_view
from yugong.core.errors import ApplicationError, NotFound, PermissionDenied, reraise_refusal
from yugong.core.forms import PageForm
from yugong.funds.selectors import spendable_lines
from yugong.orgs.access import MANAGE_ROLES, access_union, can_act, staff_scope
from yugong.orgs.decorators import console_required

from .. import exports, selectors, services
from ..forms import (
    AdoptForm,
    ChallengeForm,
    CloseForm,
    CompleteForm,
    MemberForm,
    MemberRemoveForm,
    MilestoneDoneForm,
    MilestoneForm,
    RatingDecideForm,
    RatingForm,
    RejectForm,
    ResultForm,
    RewardForm,
    SelectTeamForm,
    StudioForm,
)
from ..models import Challenge, Proposal, Studio, StudioMember
from .common import console, flash, union_choices

# --- studios ---------------------------------------------------------------------------------------


@console_required
def studios(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:40]
    page = Paginator(selectors.staff_studios(request.user, q=q), 30).get_page(request.GET.get("page"))
    ctx = {"page": page, "q": q, "can_register": bool(union_choices(request))}
    return console(request, "innovation/console_studios.html", ctx)


def _create_in_union(
    request: HttpRequest,
    form_class: type[StudioForm] | type[ChallengeForm],
    create: Callable[..., Studio | Challenge],
    *,
    done: str,
    detail: str,
    heading: str,
) -> HttpResponse:
    """A console page that creates one thing for a union the staff member manages: the union is
    chosen from theirs and checked again by the access layer before the service runs."""
    unions = union_choices(request)
    if not unions:
        raise PermissionDenied()
    form = form_class(request.POST or None)
    form.set_choices("union", unions)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            union = access_union(request.user, data.pop("union"))
            made = create(actor=request_user(request), union=union, **data)
        except ApplicationError as exc:
            reraise_refusal(exc)
            form.apply_errors(exc)
        else:
            messages.success(request, done)
            return HttpResponseRedirect(reverse(detail, args=[made.pk]))
    return console(request, "innovation/console_form.html", {"form": form, "heading": heading})


@console_required
def studio_new(request: HttpRequest) -> HttpResponse:
    return _create_in_union(
        request,
        StudioForm,
        services.studio_register,
        done=_("已登记创新工作室。"),
        detail="innovation:console_studio",
        heading=_("登记创新工作室"),
    )


def _result_form(data: QueryDict | None, members: list[StudioMember]) -> ResultForm:
    form = ResultForm(data)
    form.set_choices("contributors", [(m.person_id, m.name) for m in members])
    return form


@console_required
def studio(request: HttpRequest, pk: int) -> HttpResponse:
    s = selectors.staff_studio(request.user, pk)
    detail = selectors.studio_detail(s)
    manage = s.status == Studio.Status.ACTIVE and can_act(request.user, s.union, MANAGE_ROLES)
    ctx = {
        "s": s,
        **detail,
        "manage": manage,
        "member_form": MemberForm(),
        "result_form": _result_form(None, detail["members"]),
        "rating_form": RatingForm(initial={"year": s.created_at.year}),
    }
    return console(request, "innovation/console_studio.html", ctx)


@console_required
@require_POST
def studio_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    s = selectors.staff_studio(request.user, pk)
    actor = request_user(request)
    form: PageForm
    try:
        if action == "member":
            form = MemberForm(request.POST)
            data = form.valid_or_raise()
            services.studio_member_add(actor=actor, studio=s, id_number=data["id_number"])
        elif action == "member-remove":
            form = MemberRemoveForm(request.POST)
            data = form.valid_or_raise()
            services.studio_member_remove(actor=actor, studio=s, member_id=data["member"])
        elif action == "result":
            form = _result_form(request.POST, list(s.members.all()))
            data = form.valid_or_raise()
            services.studio_result_record(
                actor=actor,
                studio=s,
                title=data["title"],
                kind=data["kind"],
                description=data["description"],
                achieved_on=data["achieved_on"],
                benefit_fen=data["benefit_fen"],
                contributor_ids=data["contributors"],
            )
        elif action == "rating":
            form = RatingForm(request.POST)
            services.rating_apply(actor=actor, studio=s, **form.valid_or_raise())
        else:
            raise NotFound()
    except ApplicationError as exc:
        reraise_refusal(exc)
        flash(request, form, exc)
    else:
        messages.success(request, _("已保存。"))
    return HttpResponseRedirect(reverse("innovation:console_studio", args=[s.pk]))


@console_required
def ratings(request: HttpRequest) -> HttpResponse:
    rows = list(selectors.rating_queue(request.user)[:100])
    return console(request, "innovation/console_ratings.html", {"rows": rows, "form": RatingDecideForm()})


@console_required
@require_POST
def rating_decide(request: HttpRequest) -> HttpResponse:
    form = RatingDecideForm(request.POST)
    try:
        data = form.valid_or_raise()
        rating = selectors.staff_rating(request.user, data["rating"])
        services.rating_decide(
            actor=request_user(request),
            rating=rating,
            approve=data["decision"] == "approve",
            note=data["note"],
        )
    except ApplicationError as exc:
        reraise_refusal(exc)
        flash(request, form, exc)
    else:
        messages.success(request, _("已审核。"))
    return HttpResponseRedirect(reverse("innovation:console_ratings"))


# --- proposals -------------------------------------------------------------------------------------


@console_required
def proposals(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    category = request.GET.get("category", "")
    page = Paginator(selectors.staff_proposals(request.user, status=status, category=category), 30).get_page(
        request.GET.get("page")
    )
    ctx = {
        "waiting": list(selectors.proposal_queue(request.user)[:100]),
        "page": page,
        "status": status,
        "category": category,
        "statuses": Proposal.Status.choices,
        "categories": Proposal.Category.choices,
        "can_clear": bool(staff_scope(request.user, MANAGE_ROLES)),
    }
    return console(request, "innovation/console_proposals.html", ctx)


def _reward_lines(user: Any, p: Proposal) -> list[tuple[int, str]]:
    """The open lines of the proposal's union's approved budgets the user may spend from."""
    return [
        (line.pk, f"{line.name}（{_('可用')} {line.available_fen / 100:,.2f}）")
        for line in spendable_lines(user)
        if line.union_id == p.union_id
    ]


@console_required
def proposal(request: HttpRequest, pk: int) -> HttpResponse:
    p = selectors.staff_proposal(request.user, pk)
    manage = can_act(request.user, p.union, MANAGE_ROLES)
    state = services.reward_state(p.reward_commitment)
    ctx = {
        "p": p,
        "manage": manage,
        "adopt_form": AdoptForm(),
        "reject_form": RejectForm(),
        "reward_form": RewardForm(lines=_reward_lines(request.user, p)) if manage else None,
        "reward_state": state,
        "can_reward": services.reward_open(p),
    }
    return console(request, "innovation/console_proposal.html", ctx)


@console_required
@require_POST
def proposal_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    p = selectors.staff_proposal(request.user, pk)
    actor = request_user(request)
    form: PageForm = PageForm(request.POST)
    try:
        if action == "accept":
            services.proposal_accept(actor=actor, proposal=p)
        elif action == "reject":
            form = RejectForm(request.POST)
            services.proposal_reject(actor=actor, proposal=p, **form.valid_or_raise())
        elif action == "adopt":
            form = AdoptForm(request.POST)
            services.proposal_adopt(actor=actor, proposal=p, **form.valid_or_raise())
        elif action == "reward":
            form = RewardForm(request.POST, lines=_reward_lines(actor, p))
            services.proposal_reward(actor=actor, proposal=p, **form.valid_or_raise())
        else:
            raise NotFound()
    except ApplicationError as exc:
        reraise_refusal(exc)
        flash(request, form, exc)
    else:
        done = _("已申请发放奖励，待工会负责人批准后由财务代发。") if action == "reward" else _("已保存。")
        messages.success(request, done)
    return HttpResponseRedirect(reverse("innovation:console_proposal", args=[p.pk]))


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@console_required
def proposals_export(request: HttpRequest) -> HttpResponse:
    """The 五小 proposals of the viewer's subtrees as .xlsx, proposers' names masked; the clear copy
    (``?clear=1``) covers only the unions the viewer manages and is audited."""
    user = request_user(request)
    clear = request.GET.get("clear") == "1"
    if clear:
        managed = list(staff_scope(user, MANAGE_ROLES))
        if not managed:
            raise PermissionDenied()
        rows = selectors.export_proposals(user, roles=MANAGE_ROLES)
        with transaction.atomic():
            for union in managed:
                audit_pii_view(actor=user, obj=union, fields=["name", "export:proposals"], union_id=union.pk)
    else:
        rows = selectors.export_proposals(user)
    body = exports.proposals_xlsx(rows.iterator(chunk_size=2000), clear=clear)
    response = HttpResponse(body, content_type=XLSX)
    suffix = "-clear" if clear else ""
    response["Content-Disposition"] = f'attachment; filename="innovation-proposals{suffix}.xlsx"'
    return response


# --- challenges ------------------------------------------------------------------------------------


@console_required
def challenges(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.staff_challenges(request.user), 30).get_page(request.GET.get("page"))
    return console(
        request,
        "innovation/console_challenges.html",
        {"page": page, "can_post": bool(union_choices(request))},
    )


@console_required
def challenge_new(request: HttpRequest) -> HttpResponse:
    return _create_in_union(
        request,
        ChallengeForm,
        services.challenge_post,
        done=_("已发布榜单。"),
        detail="innovation:console_challenge",
        heading=_("发布揭榜挂帅榜单"),
    )


@console_required
def challenge(request: HttpRequest, pk: int) -> HttpResponse:
    c = selectors.staff_challenge(request.user, pk)
    ctx = {
        "c": c,
        "teams": selectors.challenge_teams(c),
        "milestones": list(c.milestones.all()),
        "manage": can_act(request.user, c.union, MANAGE_ROLES),
        "milestone_form": MilestoneForm(),
        "complete_form": CompleteForm(),
        "close_form": CloseForm(),
        "Status": Challenge.Status,
    }
    return console(request, "innovation/console_challenge.html", ctx)


@console_required
@require_POST
def challenge_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    c = selectors.staff_challenge(request.user, pk)
    actor = request_user(request)
    form: PageForm = PageForm(request.POST)
    try:
        if action == "select":
            form = SelectTeamForm(request.POST)
            services.team_select(actor=actor, challenge=c, team_id=form.valid_or_raise()["team"])
        elif action == "milestone":
            form = MilestoneForm(request.POST)
            services.milestone_add(actor=actor, challenge=c, **form.valid_or_raise())
        elif action == "milestone-done":
            form = MilestoneDoneForm(request.POST)
            data = form.valid_or_raise()
            services.milestone_done(
                actor=actor, challenge=c, milestone_id=data["milestone"], note=data["note"]
            )
        elif action == "complete":
            form = CompleteForm(request.POST)
            services.challenge_complete(actor=actor, challenge=c, **form.valid_or_raise())
        elif action == "close":
            form = CloseForm(request.POST)
            services.challenge_close(actor=actor, challenge=c, **form.valid_or_raise())
        else:
            raise NotFound()
    except ApplicationError as exc:
        reraise_refusal(exc)
        flash(request, form, exc)
    else:
        messages.success(request, _("已保存。"))
    return HttpResponseRedirect(reverse("innovation:console_challenge", args=[c.pk]))
