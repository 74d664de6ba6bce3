"""Staff console, knowledge contests: contests, participation per union, question banks."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _

from yugong.accounts.models import request_user
from yugong.core.errors import ApplicationError
from yugong.core.timeutil import now
from yugong.orgs import tree
from yugong.orgs.access import MANAGE_ROLES, access_union, can_act, require_role, staff_scope
from yugong.orgs.decorators import console_required

from .. import selectors, services
from ..forms import BankImportForm, ContestForm
from ..models import (
    QuestionBank,
)
from ..quiz import leaderboard
from ..quiz.imports import question_bank_import, template_xlsx
from .common import _console

# --- Staff console -----------------------------------------------------------------------------


def _node(request: HttpRequest) -> Any:
    user = request_user(request)
    union_id = request.GET.get("union")
    if union_id:
        return access_union(user, union_id)
    return staff_scope(user).first()


@console_required
def console_contests(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    if request.method == "POST":
        form = ContestForm(request.POST)
        try:
            d = form.valid_or_raise()
            contest = services.contest_create(
                actor=user,
                organiser=access_union(user, d.pop("organiser")),
                bank=selectors.staff_bank(user, d.pop("bank")),
                **d,
            )
        except ApplicationError as exc:
            messages.error(request, str(exc.message))
            for line in form.messages_of(exc) if exc.fields else []:
                messages.error(request, line)
        else:
            messages.success(request, _("竞赛已创建（草稿），发布后职工即可参加。"))
            return HttpResponseRedirect(reverse("contests:console_contest", args=[contest.pk]))
    contests = list(selectors.staff_contests(user).order_by("-id")[:100])
    return _console(
        request,
        "contests/console_contests.html",
        {
            "contests": contests,
            "banks": list(selectors.staff_banks(user).order_by("-id")[:50]),
            "unions": list(staff_scope(user, MANAGE_ROLES)),
            "now": now(),
        },
    )


@console_required
def console_contest(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    contest = selectors.staff_board_contest(user, pk)
    if request.method == "POST":
        # Every action on the contest (publish, close, refresh the member counts) needs a managing
        # role over the organiser; a viewer who can see the board cannot change anything.
        require_role(user, contest.organiser, MANAGE_ROLES)
        action = request.POST.get("action")
        if action == "publish":
            services.contest_publish(actor=user, contest=contest)
            messages.success(request, _("竞赛已发布。"))
        elif action == "close":
            services.contest_close(actor=user, contest=contest)
            messages.success(request, _("竞赛已结束。"))
        elif action == "refresh":
            services.contest_members_refresh(contest=contest)
            leaderboard.rollup_forget(contest.pk)
            messages.success(request, _("会员人数已更新。"))
        return HttpResponseRedirect(reverse("contests:console_contest", args=[contest.pk]))
    node = _node(request)
    if node is None or not (
        tree.within(node.path, contest.organiser.path) or tree.within(contest.organiser.path, node.path)
    ):
        node = contest.organiser if can_act(user, contest.organiser) else node
    level = request.GET.get("level", "children")
    board = leaderboard.union_board(contest, node, level=level) if node is not None else []
    return _console(
        request,
        "contests/console_contest.html",
        {
            "contest": contest,
            "top": leaderboard.top(contest.pk, 20),
            "participants": leaderboard.participants(contest.pk),
            "board": board,
            "node": node,
            "level": level,
            "levels": [
                ("children", _("下一级")),
                ("district", _("区县")),
                ("grassroots", _("企业/基层工会")),
            ],
            "can_manage": can_act(user, contest.organiser, MANAGE_ROLES),
        },
    )


@console_required
def console_participation(request: HttpRequest) -> HttpResponse:
    """Participation per union in the staff member's subtree, for the latest contests."""
    user = request_user(request)
    node = _node(request)
    contests = list(selectors.staff_contests(user).exclude(status="draft").order_by("-id")[:5])
    if node is not None:
        # Contests organised above the node count too: the node's own unions take part in them.
        ancestors = tree.ancestor_paths(node.path)
        from ..models import Contest

        seen = {c.pk for c in contests}
        contests += [
            c
            for c in Contest.objects.filter(organiser__path__in=ancestors)
            .exclude(status="draft")
            .select_related("organiser")
            .order_by("-id")[:5]
            if c.pk not in seen
        ]
    boards = [(c, leaderboard.union_board(c, node, level="children")) for c in contests[:5]] if node else []
    return _console(request, "contests/console_participation.html", {"boards": boards, "node": node})


@console_required
def console_banks(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    if request.method == "POST":
        form = BankImportForm(request.POST, request.FILES)
        try:
            d = form.valid_or_raise()
            union = access_union(user, d["union"])
            bank = question_bank_import(actor=user, union=union, name=d["name"], data=d["file"].read())
        except ApplicationError as exc:
            refused = form.is_bound and bool(form.errors)  # the form's own messages name their fields
            return _console(
                request,
                "contests/console_banks.html",
                {
                    "banks": _banks(user),
                    "unions": list(staff_scope(user, MANAGE_ROLES)),
                    "error": "；".join(form.messages_of(exc)) if refused else exc.message,
                    "fields": {} if refused else exc.fields,
                },
                status=exc.status,
            )
        messages.success(
            request, _("已导入题库“%(n)s”，共 %(c)s 道题。") % {"n": bank.name, "c": bank.questions.count()}
        )
        return HttpResponseRedirect(reverse("contests:console_banks"))
    return _console(
        request,
        "contests/console_banks.html",
        {"banks": _banks(user), "unions": list(staff_scope(user, MANAGE_ROLES))},
    )


def _banks(user: Any) -> list[QuestionBank]:
    return list(selectors.staff_banks(user).annotate(n=Count("questions")).order_by("-id")[:100])


@console_required
def bank_template(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(
        template_xlsx(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = 'attachment; filename="question-bank-template.xlsx"'
    return response
