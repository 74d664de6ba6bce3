"""Staff console, skills competitions: set-up (stages, items, sub-items, aspects, judges) and the
judges' marking screen.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _

from yugong.accounts.models import request_user
from yugong.core.errors import ApplicationError, NotFound, PermissionDenied
from yugong.members.models import Person
from yugong.orgs.access import MANAGE_ROLES, access_union, can_act, staff_scope
from yugong.orgs.decorators import console_required

from .. import selectors, skills
from ..models import (
    Aspect,
    Competition,
    Entry,
    Item,
    Judge,
    Mark,
    Objection,
    Stage,
    StageResult,
    SubItem,
)
from .common import _console

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
    try:
        judge = skills.judge_for(user, item)
    except PermissionDenied:
        selectors.staff_competition(user, item.stage.competition_id)  # outside the subtree: 404
        raise
    aspects = list(Aspect.objects.filter(subitem__item=item).select_related("subitem"))
    entries = [e for e in skills.stage_entries(item.stage) if not skills.conflicted(judge, e)]
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
