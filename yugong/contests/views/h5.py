"""Worker H5: contests open to me, the quiz one question per screen with a countdown (it talks to
the JSON API, static/contests/quiz.js), my results and certificates; certificate verification.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _

from yugong.accounts.models import request_user
from yugong.core.errors import ApplicationError, NotFound
from yugong.core.pii import mask_name
from yugong.orgs.decorators import worker_required

from .. import selectors, services
from ..certificates import quiz_facts, read_token, render_pdf, skills_facts, token_for, verify_url
from ..models import (
    ContestEntry,
    EntryMember,
)
from ..quiz import leaderboard
from .common import _h5, _pdf

# --- Worker H5 ------------------------------------------------------------------------------


@worker_required
def h5_list(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    return _h5(request, "contests/h5_list.html", {"contests": selectors.contests_open_to(user)})


@worker_required
def h5_detail(request: HttpRequest, pk: int) -> HttpResponse:
    from ..api.quiz import my_status

    user = request_user(request)
    contest = selectors.contest_for_worker(user, pk)
    if request.method == "POST":
        services.material_confirm(user=user, contest_id=contest.pk)
        messages.success(request, _("已确认阅读，可以开始答题。"))
        return HttpResponseRedirect(reverse("contests:h5_detail", args=[contest.pk]))
    return _h5(request, "contests/h5_detail.html", {"contest": contest, "me": my_status(contest, user)})


@worker_required
def h5_quiz(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    contest = selectors.contest_for_worker(user, pk)
    return _h5(
        request,
        "contests/h5_quiz.html",
        {
            "contest": contest,
            "start_url": f"/api/v1/contests/{contest.pk}/attempts",
            "board_url": f"/api/v1/contests/{contest.pk}/leaderboard?limit=10",
        },
    )


@worker_required
def h5_mine(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    entries = selectors.my_entries(user)
    ranks = {
        e.contest_id: leaderboard.my_rank(e.contest_id, user.pk) for e in entries if e.rank_key is not None
    }
    rows = [{"entry": e, "rank": (ranks.get(e.contest_id) or (None,))[0]} for e in entries]
    return _h5(
        request,
        "contests/h5_mine.html",
        {"rows": rows, "competitions": selectors.my_competition_entries(user)},
    )


@worker_required
def certificate(request: HttpRequest, pk: int) -> HttpResponse:
    entry = (
        ContestEntry.objects.select_related("contest__organiser")
        .filter(pk=pk, user_id=request_user(request).pk)
        .first()
    )
    if entry is None:
        raise NotFound()
    data = render_pdf(quiz_facts(entry), verify_url(token_for("q", entry.pk), request))
    return _pdf(data, f"certificate-{entry.contest_id}.pdf")


@worker_required
def skills_certificate(request: HttpRequest, pk: int) -> HttpResponse:
    member = (
        EntryMember.objects.select_related("entry__competition__organiser", "person")
        .filter(pk=pk, person__user_id=request_user(request).pk)
        .first()
    )
    if member is None:
        raise NotFound()
    data = render_pdf(skills_facts(member), verify_url(token_for("s", member.pk), request))
    return _pdf(data, f"certificate-skills-{member.entry.competition_id}.pdf")


def verify(request: HttpRequest, token: str) -> HttpResponse:
    """Public: anyone scanning the certificate sees the masked name and the result."""
    try:
        facts = read_token(token)
    except ApplicationError as exc:
        return _h5(request, "contests/verify.html", {"error": exc.message}, status=exc.status)
    return _h5(request, "contests/verify.html", {"facts": facts, "name": mask_name(facts.name)})
