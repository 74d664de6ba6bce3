"""Worker pages (成长 tab): what I joined (studios, challenge teams) and my 五小 proposals; a new
proposal; the 揭榜挂帅 challenges, taking one up as a team or joining a team."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _

from yugong.accounts.models import request_user
from yugong.core.errors import ApplicationError, reraise_refusal
from yugong.orgs.decorators import worker_required

from .. import selectors, services
from ..forms import ProposalForm, TeamJoinForm, TeamSignupForm
from ..models import TeamMember
from .common import h5


@worker_required
def mine(request: HttpRequest) -> HttpResponse:
    person = selectors.person_of(request_user(request))
    return h5(
        request, "innovation/h5_mine.html", {**selectors.my_innovation(person), "has_person": bool(person)}
    )


@worker_required
def proposal_new(request: HttpRequest) -> HttpResponse:
    form = ProposalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            p = services.proposal_submit(actor=request_user(request), **form.cleaned_data)
        except ApplicationError as exc:
            reraise_refusal(exc)
            form.apply_errors(exc)
        else:
            messages.success(request, _("已提交，所在工会将组织评审。"))
            return HttpResponseRedirect(reverse("innovation:h5_proposal", args=[p.pk]))
    return h5(request, "innovation/h5_proposal_new.html", {"form": form})


@worker_required
def proposal(request: HttpRequest, pk: int) -> HttpResponse:
    p = selectors.my_proposal(selectors.person_of(request_user(request)), pk)
    return h5(request, "innovation/h5_proposal.html", {"p": p})


@worker_required
def challenges(request: HttpRequest) -> HttpResponse:
    return h5(request, "innovation/h5_challenges.html", {"rows": selectors.open_challenges()})


@worker_required
def challenge(request: HttpRequest, pk: int) -> HttpResponse:
    c = selectors.public_challenge(pk)
    actor = request_user(request)
    action = request.POST.get("action")
    signup_form = TeamSignupForm(request.POST if action == "signup" else None)
    join_form = TeamJoinForm(request.POST if action == "join" else None)
    if request.method == "POST":
        form = signup_form if action == "signup" else join_form
        if form.is_valid():
            try:
                if form is signup_form:
                    services.team_signup(actor=actor, challenge=c, **signup_form.cleaned_data)
                else:
                    services.team_join(actor=actor, team=join_form.cleaned_data["team"])
            except ApplicationError as exc:
                reraise_refusal(exc)
                form.apply_errors(exc)
            else:
                messages.success(request, _("已揭榜，请按攻关方案做好准备。"))
                return HttpResponseRedirect(reverse("innovation:h5_challenge", args=[c.pk]))
    person = selectors.person_of(actor)
    mine = (
        TeamMember.objects.filter(challenge=c, person=person).select_related("team").first()
        if person
        else None
    )
    ctx = {
        "c": c,
        "teams": selectors.challenge_teams(c),
        "mine": mine,
        "open": selectors.signup_open(c),
        "signup_form": signup_form,
        "join_form": join_form,
    }
    return h5(request, "innovation/h5_challenge.html", ctx)
