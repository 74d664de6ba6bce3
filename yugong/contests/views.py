"""Contest pages: the worker H5 (contests open to me, the quiz one question per screen with a
countdown, my results and certificates) and the staff console (knowledge contests, question banks,
participation per union, skills competitions, the judges' marking screen). Thin: parse, call a
service or a selector, render. The quiz itself talks to the JSON API (static/contests/quiz.js)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from yugong.accounts.models import request_user
from yugong.core.errors import ApplicationError, NotFound
from yugong.core.pii import mask_name
from yugong.core.timeutil import SHANGHAI, now
from yugong.members.models import Person
from yugong.orgs.access import MANAGE_ROLES, access_union, can_act, require_role, staff_scope
from yugong.orgs.decorators import console_required, worker_required

from . import leaderboard, selectors, services, skills
from .certificates import quiz_facts, read_token, render_pdf, skills_facts, token_for, verify_url
from .imports import question_bank_import, template_xlsx
from .models import (
    Aspect,
    Competition,
    ContestEntry,
    Entry,
    EntryMember,
    Item,
    Judge,
    Mark,
    Objection,
    QuestionBank,
    Stage,
    StageResult,
    SubItem,
)


def _h5(request: HttpRequest, template: str, ctx: dict[str, Any], status: int = 200) -> HttpResponse:
    return render(request, template, {"tab": "growth", **ctx}, status=status)


def _console(request: HttpRequest, template: str, ctx: dict[str, Any], status: int = 200) -> HttpResponse:
    return render(request, template, {"section": "growth", **ctx}, status=status)


def _pdf(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- Worker H5 ------------------------------------------------------------------------------


@worker_required
def h5_list(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    return _h5(request, "contests/h5_list.html", {"contests": selectors.contests_open_to(user)})


@worker_required
def h5_detail(request: HttpRequest, pk: int) -> HttpResponse:
    from .api import my_status

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


# --- Staff console -----------------------------------------------------------------------------


def _node(request: HttpRequest) -> Any:
    user = request_user(request)
    union_id = request.GET.get("union")
    if union_id:
        return access_union(user, union_id)
    return staff_scope(user).first()


def _dt(value: str) -> dt.datetime | None:
    parsed = parse_datetime(value or "")
    if parsed is not None and parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=SHANGHAI)
    return parsed


@console_required
def console_contests(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    if request.method == "POST":
        try:
            organiser = access_union(user, request.POST.get("organiser"))
            bank = selectors.staff_bank(user, request.POST.get("bank"))
            starts, ends = _dt(request.POST.get("starts_at", "")), _dt(request.POST.get("ends_at", ""))
            if starts is None or ends is None:
                from yugong.core.errors import ValidationFailed

                raise ValidationFailed(fields={"starts_at": _("请填写有效的开始和结束时间。")})
            contest = services.contest_create(
                actor=user,
                organiser=organiser,
                bank=bank,
                title=request.POST.get("title", ""),
                starts_at=starts,
                ends_at=ends,
                question_count=int(request.POST.get("question_count") or 10),
                time_limit_seconds=int(request.POST.get("time_limit_seconds") or 600),
                tries_per_day=int(request.POST.get("tries_per_day") or 3),
                score_rule=request.POST.get("score_rule", "best"),
                material_title=request.POST.get("material_title", ""),
                material_body=request.POST.get("material_body", ""),
            )
        except (ApplicationError, ValueError) as exc:
            messages.error(request, str(getattr(exc, "message", exc)))
            for field, msgs in getattr(exc, "fields", {}).items():
                messages.error(request, f"{field}：{'；'.join(str(m) for m in msgs)}")
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
        node.path.startswith(contest.organiser.path) or contest.organiser.path.startswith(node.path)
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
        ancestors = [node.path[:end] for end in range(9, len(node.path) + 1, 9)]
        from .models import Contest

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
        upload = request.FILES.get("file")
        try:
            union = access_union(user, request.POST.get("union"))
            if upload is None:
                from yugong.core.errors import ValidationFailed

                raise ValidationFailed(fields={"file": _("请选择 .xlsx 文件。")})
            bank = question_bank_import(
                actor=user, union=union, name=request.POST.get("name", ""), data=upload.read()
            )
        except ApplicationError as exc:
            return _console(
                request,
                "contests/console_banks.html",
                {
                    "banks": _banks(user),
                    "unions": list(staff_scope(user, MANAGE_ROLES)),
                    "error": exc.message,
                    "fields": exc.fields,
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


# Field names of the skills set-up forms, as the error messages name them.
SETUP_LABELS = {
    "organiser": _("主办工会"),
    "title": _("竞赛名称"),
    "level": _("级别"),
    "mode": _("参赛形式"),
    "quota_per_union": _("每单位名额"),
    "team_size": _("团体人数"),
    "min_age": _("最低年龄"),
    "max_age": _("最高年龄"),
    "review_days": _("公示期（天）"),
    "trades": _("竞赛工种"),
    "kind": _("类型"),
    "name": _("名称"),
    "order": _("顺序"),
    "advance_top_n": _("晋级名额（前N名）"),
    "advance_threshold": _("晋级分数线"),
    "weight": _("权重（%）"),
    "max_mark": _("分值"),
    "judge": _("裁判账号"),
    "stage": _("阶段"),
    "item": _("项目"),
    "subitem": _("子项"),
}


def _report(request: HttpRequest, exc: ApplicationError) -> None:
    """A failed form: the message, then each field by its Chinese name."""
    fields = getattr(exc, "fields", None) or {}
    if not fields:
        messages.error(request, str(exc.message))
    for field, msgs in fields.items():
        label = SETUP_LABELS.get(field.split(".")[0], field)
        text = "；".join(str(m) for m in (msgs if isinstance(msgs, list | tuple) else [msgs]))
        messages.error(request, f"{label}：{text}")


def _int(request: HttpRequest, field: str, default: int | None = None) -> int | None:
    from yugong.core.errors import ValidationFailed

    raw = (request.POST.get(field) or "").strip()
    if raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ValidationFailed(fields={field: _("请填写整数。")}) from None


@console_required
def console_competitions(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    if request.method == "POST":
        try:
            organiser = access_union(user, request.POST.get("organiser"))
            fields: dict[str, Any] = {
                "level": request.POST.get("level") or "city",
                "mode": request.POST.get("mode") or "both",
                "cross_region": request.POST.get("cross_region") == "1",
                "trades": [
                    t.strip()
                    for t in request.POST.get("trades", "").replace("，", ",").split(",")
                    if t.strip()
                ],
            }
            for name, default in (
                ("quota_per_union", 5),
                ("team_size", 3),
                ("min_age", 18),
                ("max_age", 60),
                ("review_days", 3),
            ):
                fields[name] = _int(request, name, default)
            competition = skills.competition_create(
                actor=user, organiser=organiser, title=request.POST.get("title", ""), **fields
            )
        except ApplicationError as exc:
            _report(request, exc)
        else:
            messages.success(request, _("技能竞赛已创建（筹备中），请设置阶段、项目和评分点。"))
            return HttpResponseRedirect(reverse("contests:console_competition", args=[competition.pk]))
        return HttpResponseRedirect(reverse("contests:console_competitions"))
    rows = list(
        selectors.staff_competitions(user).annotate(n=Count("entries", distinct=True)).order_by("-id")[:100]
    )
    judging = list(Judge.objects.filter(user_id=user.pk).select_related("item__stage__competition")[:50])
    return _console(
        request,
        "contests/console_competitions.html",
        {
            "competitions": rows,
            "judging": judging,
            "unions": list(staff_scope(user, MANAGE_ROLES)),
            "levels": Competition.Level.choices,
            "modes": Competition.Mode.choices,
        },
    )


def _pick(qs: Any, request: HttpRequest, field: str, message: Any) -> Any:
    """The object the form's ``field`` names, looked up only inside ``qs`` (this competition), or a
    validation error on that field."""
    from yugong.core.errors import ValidationFailed

    obj = qs.filter(pk=_int(request, field) or 0).first()
    if obj is None:
        raise ValidationFailed(fields={field: message})
    return obj


def _setup(request: HttpRequest, user: Any, competition: Competition, action: str) -> None:
    """The set-up forms of a competition: every object is looked up inside this competition."""
    from yugong.accounts.models import User
    from yugong.core.errors import ValidationFailed

    post = request.POST
    if action == "stage_add":
        threshold = (post.get("advance_threshold") or "").strip()
        try:
            threshold_value = Decimal(threshold) if threshold else None
        except InvalidOperation:
            raise ValidationFailed(fields={"advance_threshold": _("晋级分数线应为数字。")}) from None
        skills.stage_create(
            actor=user,
            competition=competition,
            kind=post.get("kind", ""),
            name=(post.get("name") or "").strip() or _("阶段"),
            order=_int(request, "order", competition.stages.count() + 1) or 1,
            items=[],
            advance_top_n=_int(request, "advance_top_n"),
            advance_threshold=threshold_value,
        )
    elif action == "item_add":
        stage = _pick(
            Stage.objects.filter(competition=competition), request, "stage", _("请选择本竞赛的阶段。")
        )
        skills.item_add(
            actor=user,
            stage=stage,
            name=post.get("name", ""),
            kind=post.get("kind", ""),
            weight=post.get("weight", ""),
        )
    elif action == "subitem_add":
        item = _pick(
            Item.objects.filter(stage__competition=competition), request, "item", _("请选择本竞赛的项目。")
        )
        skills.subitem_add(actor=user, item=item, name=post.get("name", ""))
    elif action == "aspect_add":
        sub = _pick(
            SubItem.objects.filter(item__stage__competition=competition).select_related(
                "item__stage__competition"
            ),
            request,
            "subitem",
            _("请选择本竞赛的子项。"),
        )
        skills.aspect_add(
            actor=user,
            subitem=sub,
            name=post.get("name", ""),
            kind=post.get("kind", ""),
            max_mark=post.get("max_mark", ""),
        )
    elif action == "judge_add":
        item = _pick(
            Item.objects.filter(stage__competition=competition), request, "item", _("请选择本竞赛的项目。")
        )
        judge = User.objects.filter(username=(post.get("judge") or "").strip(), is_active=True).first()
        if judge is None:
            raise ValidationFailed(fields={"judge": _("未找到该账号。")})
        employer = Person.objects.filter(user=judge).values_list("employer_id", flat=True).first()
        skills.judge_assign(
            actor=user, item=item, user=judge, employer_id=employer, chief=post.get("chief") == "1"
        )


SETUP_ACTIONS = ("stage_add", "item_add", "subitem_add", "aspect_add", "judge_add")


@console_required
def console_competition(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    competition = selectors.staff_competition(user, pk)
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action in SETUP_ACTIONS:
                _setup(request, user, competition, action)
            elif action in ("registration", "running"):
                skills.competition_set_status(actor=user, competition=competition, status=action)
            elif action == "compute":
                stage = Stage.objects.get(pk=request.POST.get("stage", ""), competition=competition)
                skills.stage_compute(actor=user, stage=stage)
            elif action == "publish":
                skills.results_publish(actor=user, competition=competition)
            elif action == "objection":
                objection = Objection.objects.get(
                    pk=request.POST.get("objection", ""), entry__competition=competition
                )
                skills.objection_decide(
                    actor=user,
                    objection=objection,
                    upheld=request.POST.get("upheld") == "1",
                    response=request.POST.get("response", ""),
                )
            messages.success(request, _("操作成功。"))
        except ApplicationError as exc:
            _report(request, exc)
        except (Stage.DoesNotExist, Objection.DoesNotExist, ValueError):
            messages.error(request, _("操作失败。"))
        return HttpResponseRedirect(reverse("contests:console_competition", args=[competition.pk]))
    stages = list(competition.stages.prefetch_related("items__subitems__aspects", "items__judges__user"))
    entries = list(
        Entry.objects.filter(competition=competition)
        .select_related("union")
        .prefetch_related("members__person")
    )
    results = defaultdict(list)
    for r in (
        StageResult.objects.filter(stage__competition=competition)
        .select_related("entry")
        .order_by("stage__order", "entry__kind", "rank")
    ):
        results[r.stage_id].append(r)
    problems = {s.pk: len(skills.stage_problems(s)) for s in stages}
    return _console(
        request,
        "contests/console_competition.html",
        {
            "competition": competition,
            "stages": [(s, results.get(s.pk, []), problems[s.pk]) for s in stages],
            "items": [it for s in stages for it in s.items.all()],
            "subitems": [si for s in stages for it in s.items.all() for si in it.subitems.all()],
            "entries": entries,
            "objections": list(
                Objection.objects.filter(entry__competition=competition).select_related("entry")
            ),
            "can_manage": can_act(user, competition.organiser, MANAGE_ROLES),
        },
    )


@console_required
def marking(request: HttpRequest, item_pk: int) -> HttpResponse:
    """The judge's tablet screen: competitors down, aspects across; big inputs; flagged spreads."""
    user = request_user(request)
    item = Item.objects.select_related("stage__competition").filter(pk=item_pk).first()
    if item is None:
        raise NotFound()
    judge = skills.judge_for(user, item)
    aspects = list(Aspect.objects.filter(subitem__item=item).select_related("subitem"))
    entries = [e for e in skills._stage_entries(item.stage) if not skills.conflicted(judge, e)]
    if request.method == "POST":
        saved = 0
        errors: list[str] = []
        by_id = {e.pk: e for e in entries}
        aspect_by_id = {a.pk: a for a in aspects}
        for key in request.POST:
            value = request.POST.get(key, "")
            if not key.startswith("m-") or value.strip() == "":
                continue
            try:
                _m, aspect_id, entry_id = key.split("-")
                aspect, entry = aspect_by_id[int(aspect_id)], by_id[int(entry_id)]
                skills.mark_record(actor=user, aspect=aspect, entry=entry, value=value.strip())
                saved += 1
            except (ValueError, KeyError):
                errors.append(key)
            except ApplicationError as exc:
                errors.append(f"{exc.message}")
        if errors:
            messages.error(request, _("部分评分未保存：%(e)s") % {"e": "；".join(sorted(set(errors))[:5])})
        messages.success(request, _("已保存 %(n)s 项评分。") % {"n": saved})
        return HttpResponseRedirect(reverse("contests:marking", args=[item.pk]))
    marks = Mark.objects.filter(aspect__in=aspects, entry__in=entries)
    mine: dict[tuple[int, int], Any] = {}
    spread: dict[tuple[int, int], list[Any]] = defaultdict(list)
    for m in marks:
        spread[(m.aspect_id, m.entry_id)].append(m.value)
        if m.judge_id == judge.pk:
            mine[(m.aspect_id, m.entry_id)] = m.value
    grid = [
        (
            e,
            [
                {
                    "aspect": a,
                    "value": mine.get((a.pk, e.pk), ""),
                    "flagged": a.kind == Aspect.Kind.JUDGEMENT
                    and skills.judgement_flagged(spread[(a.pk, e.pk)]),
                }
                for a in aspects
            ],
        )
        for e in entries
    ]
    return _console(request, "contests/marking.html", {"item": item, "aspects": aspects, "grid": grid})
