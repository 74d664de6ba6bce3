"""Staff console, skills competitions: set-up (stages, items, sub-items, aspects, judges) and the
judges' marking screen.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.contrib import messages
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _

from yugong.accounts.models import User, request_user
from yugong.core.errors import ApplicationError, NotFound, PermissionDenied, ValidationFailed
from yugong.core.forms import PageForm
from yugong.members.models import Person
from yugong.orgs.access import MANAGE_ROLES, access_union, can_act, staff_scope
from yugong.orgs.decorators import console_required

from .. import selectors, skills
from ..forms import SETUP_FORMS, STEP_FORMS, CompetitionForm, EmptyForm, MarkingForm
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


def _report(request: HttpRequest, exc: ApplicationError, form: PageForm) -> None:
    """A failed form: each message naming its field in Chinese (the form's labels)."""
    for line in form.messages_of(exc):
        messages.error(request, line)


@console_required
def console_competitions(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    if request.method == "POST":
        form = CompetitionForm(request.POST)
        try:
            d = form.valid_or_raise()
            organiser = access_union(user, d.pop("organiser"))
            competition = skills.competition_create(actor=user, organiser=organiser, **d)
        except ApplicationError as exc:
            _report(request, exc, form)
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


def _pick(qs: Any, pk: int | None, field: str, message: Any) -> Any:
    """The object the form's ``field`` names, looked up only inside ``qs`` (this competition), or a
    validation error on that field."""
    obj = qs.filter(pk=pk or 0).first()
    if obj is None:
        raise ValidationFailed(fields={field: message})
    return obj


def _setup(user: User, competition: Competition, action: str, d: dict[str, Any]) -> None:
    """The set-up forms of a competition (``forms.SETUP_FORMS``, cleaned): every object is looked
    up inside this competition."""
    if action == "stage_add":
        order = d["order"] if d["order"] is not None else competition.stages.count() + 1
        skills.stage_create(
            actor=user,
            competition=competition,
            kind=d["kind"],
            name=d["name"].strip() or _("阶段"),
            order=order or 1,
            items=[],
            advance_top_n=d["advance_top_n"],
            advance_threshold=d["advance_threshold"],
        )
    elif action == "item_add":
        stage = _pick(
            Stage.objects.filter(competition=competition), d["stage"], "stage", _("请选择本竞赛的阶段。")
        )
        skills.item_add(actor=user, stage=stage, name=d["name"], kind=d["kind"], weight=d["weight"])
    elif action == "subitem_add":
        item = _pick(
            Item.objects.filter(stage__competition=competition), d["item"], "item", _("请选择本竞赛的项目。")
        )
        skills.subitem_add(actor=user, item=item, name=d["name"])
    elif action == "aspect_add":
        sub = _pick(
            SubItem.objects.filter(item__stage__competition=competition).select_related(
                "item__stage__competition"
            ),
            d["subitem"],
            "subitem",
            _("请选择本竞赛的子项。"),
        )
        skills.aspect_add(actor=user, subitem=sub, name=d["name"], kind=d["kind"], max_mark=d["max_mark"])
    elif action == "judge_add":
        item = _pick(
            Item.objects.filter(stage__competition=competition), d["item"], "item", _("请选择本竞赛的项目。")
        )
        judge = User.objects.filter(username=d["judge"].strip(), is_active=True).first()
        if judge is None:
            raise ValidationFailed(fields={"judge": _("未找到该账号。")})
        employer = Person.objects.filter(user=judge).values_list("employer_id", flat=True).first()
        skills.judge_assign(actor=user, item=item, user=judge, employer_id=employer, chief=d["chief"])


SETUP_ACTIONS = ("stage_add", "item_add", "subitem_add", "aspect_add", "judge_add")


@console_required
def console_competition(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    competition = selectors.staff_competition(user, pk)
    if request.method == "POST":
        action = request.POST.get("action", "")
        form = (SETUP_FORMS.get(action) or STEP_FORMS.get(action) or EmptyForm)(request.POST)
        try:
            d = form.valid_or_raise()
            if action in SETUP_FORMS:
                _setup(user, competition, action, d)
            elif action in ("registration", "running"):
                skills.competition_set_status(actor=user, competition=competition, status=action)
            elif action == "compute":
                stage = Stage.objects.get(pk=d["stage"], competition=competition)
                skills.stage_compute(actor=user, stage=stage)
            elif action == "publish":
                skills.results_publish(actor=user, competition=competition)
            elif action == "objection":
                objection = Objection.objects.get(pk=d["objection"], entry__competition=competition)
                skills.objection_decide(
                    actor=user, objection=objection, upheld=d["upheld"], response=d["response"]
                )
            messages.success(request, _("操作成功。"))
        except ApplicationError as exc:
            _report(request, exc, form)
        except (Stage.DoesNotExist, Objection.DoesNotExist):
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
        form = MarkingForm(request.POST, aspects=aspects, entries=entries)
        errors = form.strays()
        for aspect, entry, value in form.marks():
            try:
                skills.mark_record(actor=user, aspect=aspect, entry=entry, value=value)
                saved += 1
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
