"""Worker H5: contests open to me, the quiz one question per screen with a countdown (it talks to
the JSON API, static/contests/quiz.js), my results and certificates; certificate verification.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _

from yugong.accounts.models import request_user
from yugong.core.errors import ApplicationError, Conflict, NotFound
from yugong.core.pii import mask_name
from yugong.orgs.decorators import worker_required

from .. import selectors, services
from ..certificates import quiz_facts, read_token, render_pdf, skills_facts, token_for, verify_url
from ..forms import ReviewPaperForm
from ..models import (
    ContestEntry,
    EntryMember,
    rank_key_parts,
)
from ..quiz import leaderboard, review
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
    return _h5(
        request,
        "contests/h5_detail.html",
        {
            "contest": contest,
            "me": my_status(contest, user),
            "review_open": review.review_open(contest),
            "review_opens_at": review.review_opens_at(contest),
        },
    )


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


BOARD_TOP = 10


def _board_rows(board: leaderboard.Board, me: Any, my_name: str) -> dict[str, Any]:
    """A board as the page shows it: every other participant's name masked, the worker's own row
    with their name and marked, and their own row again after the top when they rank below it."""
    rows = [
        {
            "rank": r.rank,
            "name": my_name if r.user_id == me.pk else mask_name(r.name),
            "score": r.score,
            "seconds": r.tenths_used / 10,
            "me": r.user_id == me.pk,
        }
        for r in board.top
    ]
    below = None
    if board.mine and not any(row["me"] for row in rows):
        score, tenths, _secs = rank_key_parts(board.mine[1])
        below = {"rank": board.mine[0], "name": my_name, "score": score, "seconds": tenths / 10, "me": True}
    return {
        "rows": rows,
        "below": below,
        "participants": board.participants,
        "rank": board.mine[0] if board.mine else None,
    }


@worker_required
def h5_board(request: HttpRequest, pk: int) -> HttpResponse:
    """排行榜: the worker's own union (where they took part, else their current union) and the
    whole contest (the city for a city contest). Names are masked but the worker's own; their rank
    is shown even below the top. A flat number of queries (Redis: one round trip for the whole
    board; the union board two queries on the ``contests_entry_union_rank`` index)."""
    user = request_user(request)
    contest = selectors.contest_for_worker(user, pk)
    entry = selectors.my_entry(user, contest.pk)
    union = entry.union if entry is not None and entry.union_id else selectors.worker_union(user)
    my_name = (entry.display_name if entry is not None else "") or user.display_name
    whole = leaderboard.board(contest.pk, user.pk, BOARD_TOP)
    own = None
    if union is not None:
        key = entry.rank_key if entry is not None and entry.union_id == union.pk else None
        own = leaderboard.union_people_board(contest.pk, union.pk, user.pk, BOARD_TOP, key=key)
    return _h5(
        request,
        "contests/h5_board.html",
        {
            "contest": contest,
            "union": union,
            "own": _board_rows(own, user, my_name) if own is not None else None,
            "whole": _board_rows(whole, user, my_name),
            "whole_is_city": contest.organiser.parent_id is None,
            "review_open": review.review_open(contest),
        },
    )


@worker_required
def h5_review(request: HttpRequest, pk: int) -> HttpResponse:
    """答案解析: after the contest is over for everyone (``quiz.review``), the worker's submitted
    papers with their answers, the right answers and the explanations; before that, when it opens."""
    user = request_user(request)
    contest = selectors.contest_for_worker(user, pk)
    form = ReviewPaperForm(request.GET)
    attempt_id = form.cleaned_data.get("attempt") if form.is_valid() else None
    try:
        result = review.attempt_review(user=user, contest=contest, attempt_id=attempt_id)
    except Conflict:
        return _h5(
            request,
            "contests/h5_review.html",
            {"contest": contest, "opens_at": review.review_opens_at(contest), "result": None},
        )
    return _h5(request, "contests/h5_review.html", {"contest": contest, "result": result})


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
