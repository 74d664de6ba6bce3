"""Pages. Worker (成长 tab): my honours, the 公示 list and an objection. Staff console (成长
section): rounds with quotas, 公示 and award; nominating; the review queue and a nomination's
timeline; the 劳模工匠 register; talks. Every write goes through a form and its service."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yugong.accounts.models import request_user
from yugong.core.audit import audit_pii_view
from yugong.core.errors import ApplicationError, NotFound, PermissionDenied, reraise_refusal
from yugong.members.models import Person
from yugong.orgs.access import MANAGE_ROLES, access_union, can_act, require_role, staff_scope
from yugong.orgs.decorators import console_required, worker_required
from yugong.orgs.models import Union

from . import exports, selectors, services
from .forms import (
    CancelForm,
    CorpsForm,
    DeliverForm,
    LaureateForm,
    NominationForm,
    NoticeForm,
    ObjectionForm,
    ObjectionHandleForm,
    QuotaForm,
    ReviewForm,
    RoundForm,
    ServiceForm,
    TalkForm,
    WithdrawForm,
)
from .models import Nomination, Round, Talk
from .services.common import may_review


def _h5(request: HttpRequest, template: str, ctx: dict[str, Any]) -> HttpResponse:
    return render(request, template, {"tab": "growth", **ctx})


def _console(request: HttpRequest, template: str, ctx: dict[str, Any]) -> HttpResponse:
    return render(request, template, {"section": "growth", **ctx})


def _union_choices(request: HttpRequest) -> list[tuple[int, str]]:
    return [(u.pk, u.name) for u in staff_scope(request.user, MANAGE_ROLES)]


def _flash_error(request: HttpRequest, exc: ApplicationError) -> None:
    details = "；".join(str(m) for msgs in exc.fields.values() for m in msgs)
    messages.error(request, details or str(exc.message))


def _invalid(request: HttpRequest, form: ServiceForm) -> None:
    messages.error(request, "；".join(str(m) for msgs in form.errors.values() for m in msgs))


# --- worker ------------------------------------------------------------------------------------


@worker_required
def h5_mine(request: HttpRequest) -> HttpResponse:
    person = Person.objects.filter(user=request_user(request)).first()
    return _h5(
        request, "honors/h5_mine.html", {"honours": selectors.my_honours(person), "has_person": bool(person)}
    )


@worker_required
def h5_notice(request: HttpRequest) -> HttpResponse:
    return _h5(request, "honors/h5_notice.html", {"rows": selectors.on_notice()})


@worker_required
def h5_object(request: HttpRequest, pk: int) -> HttpResponse:
    nomination = selectors.notice_nomination(pk)
    form = ObjectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.objection_raise(
                actor=request_user(request), nomination=nomination, reason_text=form.cleaned_data["reason"]
            )
        except ApplicationError as exc:
            form.take_errors(exc)
        else:
            messages.success(request, _("已提交异议，组织单位将核实处理。"))
            return HttpResponseRedirect(reverse("honors:h5_notice"))
    return _h5(request, "honors/h5_object.html", {"n": nomination, "form": form})


# --- console: rounds ---------------------------------------------------------------------------


@console_required
def console_rounds(request: HttpRequest) -> HttpResponse:
    rounds = list(selectors.managed_rounds(request.user).order_by("-year", "-pk")[:100])
    ctx = {
        "rounds": rounds,
        "open_rounds": selectors.open_rounds_for(request.user),
        "can_organise": bool(_union_choices(request)),
    }
    return _console(request, "honors/console_rounds.html", ctx)


@console_required
def console_round_new(request: HttpRequest) -> HttpResponse:
    unions = _union_choices(request)
    if not unions:
        raise PermissionDenied()
    form = RoundForm(request.POST or None)
    form.set_choices("union", unions)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            union = access_union(request.user, data.pop("union"))
            r = services.round_create(actor=request_user(request), union=union, **data)
        except ApplicationError as exc:
            form.take_errors(exc)
        else:
            messages.success(request, _("已创建评选，请分配推荐名额。"))
            return HttpResponseRedirect(reverse("honors:console_round", args=[r.pk]))
    return _console(request, "honors/console_form.html", {"form": form, "heading": _("新建评选")})


def _quota_choices(r: Round) -> list[tuple[int, str]]:
    qs = Union.objects.filter(path__startswith=r.union.path).exclude(pk=r.union_id).order_by("path")
    return [(u.pk, u.name) for u in qs.only("pk", "name")[:300]]


@console_required
def console_round(request: HttpRequest, pk: int) -> HttpResponse:
    r = selectors.managed_round(request.user, pk)
    manage = can_act(request.user, r.union, MANAGE_ROLES)
    quota_form = QuotaForm()
    quota_form.set_choices("union", _quota_choices(r) if manage else [])
    ctx = {
        "r": r,
        "manage": manage,
        "quotas": list(r.quotas.select_related("union").order_by("union__path")),
        "nominations": selectors.round_nominations(r),
        "quota_form": quota_form,
        "notice_form": NoticeForm(),
    }
    return _console(request, "honors/console_round.html", ctx)


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@console_required
def console_round_export(request: HttpRequest, pk: int, what: str) -> HttpResponse:
    """A round's nominations or laureates as .xlsx: masked for anyone who sees the round; the clear
    copy (``?clear=1``) only for a managing role at the organiser, audited as a view of personal
    data."""
    r = selectors.managed_round(request.user, pk)
    if what not in ("nominations", "laureates"):
        raise NotFound()
    user = request_user(request)
    clear = request.GET.get("clear") == "1"
    if clear:
        require_role(user, r.union, MANAGE_ROLES)
        with transaction.atomic():
            audit_pii_view(
                actor=user, obj=r, fields=["name", "id_number", f"export:{what}"], union_id=r.union_id
            )
    if what == "nominations":
        body = exports.nominations_xlsx(
            selectors.export_nominations(r).iterator(chunk_size=2000), clear=clear
        )
    else:
        body = exports.laureates_xlsx(selectors.export_honours(r).iterator(chunk_size=2000), clear=clear)
    response = HttpResponse(body, content_type=XLSX)
    suffix = "-clear" if clear else ""
    response["Content-Disposition"] = f'attachment; filename="honors-round-{r.pk}-{what}{suffix}.xlsx"'
    return response


@console_required
@require_POST
def console_round_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    r = selectors.managed_round(request.user, pk)
    actor = request_user(request)
    try:
        if action == "quota":
            form: ServiceForm = QuotaForm(request.POST)
            form.set_choices("union", _quota_choices(r))
            if not form.is_valid():
                _invalid(request, form)
            else:
                union = Union.objects.get(pk=form.cleaned_data["union"])
                services.quota_set(actor=actor, round=r, union=union, places=form.cleaned_data["places"])
                messages.success(request, _("已保存名额。"))
        elif action == "notice":
            form = NoticeForm(request.POST)
            if not form.is_valid():
                _invalid(request, form)
            else:
                services.notice_publish(actor=actor, round=r, working_days=form.cleaned_data["working_days"])
                messages.success(request, _("已发布公示。"))
        elif action == "award":
            services.round_award(actor=actor, round=r)
            messages.success(request, _("已表彰并发布表彰名单。"))
        else:
            raise NotFound()
    except ApplicationError as exc:
        reraise_refusal(exc)
        _flash_error(request, exc)
    return HttpResponseRedirect(reverse("honors:console_round", args=[r.pk]))


# --- console: nominations ----------------------------------------------------------------------


@console_required
def console_nominate(request: HttpRequest) -> HttpResponse:
    unions = _union_choices(request)
    rounds = selectors.open_rounds_for(request.user)
    if not unions:
        raise PermissionDenied()
    form = NominationForm(request.POST or None, initial={"round": request.GET.get("round")})
    form.set_choices("round", [(r.pk, f"{r.title}（{r.kind.get_target_display()}）") for r in rounds])
    form.set_choices("union", unions)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            union = access_union(request.user, data.pop("union"))
            r = next(x for x in rounds if x.pk == data.pop("round"))
            n = services.nomination_submit(actor=request_user(request), round=r, union=union, **data)
        except ApplicationError as exc:
            form.take_errors(exc)
        else:
            messages.success(request, _("已推荐上报。"))
            return HttpResponseRedirect(reverse("honors:console_nomination", args=[n.pk]))
    return _console(
        request, "honors/console_form.html", {"form": form, "heading": _("推荐"), "empty": not rounds}
    )


@console_required
def console_queue(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    page = Paginator(selectors.staff_nominations(request.user, status=status), 30).get_page(
        request.GET.get("page")
    )
    ctx = {
        "waiting": list(selectors.review_queue(request.user)[:100]),
        "page": page,
        "status": status,
        "statuses": Nomination.Status.choices,
    }
    return _console(request, "honors/console_queue.html", ctx)


@console_required
def console_nomination(request: HttpRequest, pk: int) -> HttpResponse:
    n = selectors.staff_nomination(request.user, pk)
    steps, objections = selectors.nomination_timeline(n)
    ctx = {
        "n": n,
        "steps": steps,
        "objections": objections,
        "can_review": may_review(request_user(request), n),
        "can_withdraw": services.may_withdraw(request_user(request), n),
        "withdraw_form": WithdrawForm(),
        "can_handle": can_act(request.user, n.round.union, MANAGE_ROLES),
        "review_form": ReviewForm(),
    }
    return _console(request, "honors/console_nomination.html", ctx)


@console_required
@require_POST
def console_nomination_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    n = selectors.staff_nomination(request.user, pk)
    actor = request_user(request)
    try:
        if action == "review":
            form: ServiceForm = ReviewForm(request.POST)
            if not form.is_valid():
                _invalid(request, form)
            else:
                approve = form.cleaned_data["decision"] == "approve"
                services.nomination_review(
                    actor=actor, nomination=n, approve=approve, note=form.cleaned_data["note"]
                )
                messages.success(request, _("已审核。"))
        elif action == "withdraw":
            form = WithdrawForm(request.POST)
            if not form.is_valid():
                _invalid(request, form)
            else:
                services.nomination_withdraw(actor=actor, nomination=n, note=form.cleaned_data["note"])
                messages.success(request, _("已撤回推荐，名额已释放。"))
        elif action == "objection":
            form = ObjectionHandleForm(request.POST)
            if not form.is_valid():
                _invalid(request, form)
            else:
                objection = n.objections.filter(pk=form.cleaned_data["objection"]).first()
                if objection is None:
                    raise NotFound()
                services.objection_handle(
                    actor=actor,
                    objection=objection,
                    upheld=form.cleaned_data["upheld"],
                    answer=form.cleaned_data["answer"],
                )
                messages.success(request, _("已处理异议。"))
        else:
            raise NotFound()
    except ApplicationError as exc:
        reraise_refusal(exc)
        _flash_error(request, exc)
    return HttpResponseRedirect(reverse("honors:console_nomination", args=[n.pk]))


# --- console: register and talks ---------------------------------------------------------------


@console_required
def console_laureates(request: HttpRequest) -> HttpResponse:
    unions = _union_choices(request)
    form = LaureateForm(request.POST or None)
    form.set_choices("union", unions)
    if request.method == "POST":
        if not unions:
            raise PermissionDenied()
        if form.is_valid():
            data = dict(form.cleaned_data)
            try:
                union = access_union(request.user, data.pop("union"))
                services.laureate_add(actor=request_user(request), union=union, **data)
            except ApplicationError as exc:
                form.take_errors(exc)
            else:
                messages.success(request, _("已加入劳模工匠名册。"))
                return HttpResponseRedirect(reverse("honors:console_laureates"))
    q = request.GET.get("q", "").strip()[:40]
    page = Paginator(selectors.laureates(q=q), 30).get_page(request.GET.get("page"))
    manageable = {u for u, _name in unions}
    ctx = {"page": page, "q": q, "form": form if unions else None, "manageable_paths": manageable}
    return _console(request, "honors/console_laureates.html", ctx)


@console_required
@require_POST
def console_laureate_corps(request: HttpRequest, pk: int) -> HttpResponse:
    form = CorpsForm(request.POST)
    form.is_valid()
    try:
        services.laureate_set_corps(
            actor=request_user(request),
            laureate=pk,
            in_service_corps=form.cleaned_data.get("in_service_corps", False),
        )
        messages.success(request, _("已保存。"))
    except ApplicationError as exc:
        reraise_refusal(exc)
        _flash_error(request, exc)
    return HttpResponseRedirect(reverse("honors:console_laureates"))


@console_required
def console_talks(request: HttpRequest) -> HttpResponse:
    unions = _union_choices(request)
    form = TalkForm(request.POST or None)
    form.set_choices("union", unions)
    form.set_choices(
        "speaker", [(x.pk, f"{x.name}（{x.title}）") for x in selectors.laureates(corps_only=True)[:500]]
    )
    if request.method == "POST":
        if not unions:
            raise PermissionDenied()
        if form.is_valid():
            data = dict(form.cleaned_data)
            try:
                union = access_union(request.user, data.pop("union"))
                talk = services.talk_book(actor=request_user(request), union=union, **data)
            except ApplicationError as exc:
                form.take_errors(exc)
            else:
                messages.success(request, _("已预约宣讲。"))
                return HttpResponseRedirect(reverse("honors:console_talk", args=[talk.pk]))
    page = Paginator(selectors.staff_talks(request.user), 30).get_page(request.GET.get("page"))
    return _console(request, "honors/console_talks.html", {"page": page, "form": form if unions else None})


@console_required
def console_talk(request: HttpRequest, pk: int) -> HttpResponse:
    talk = selectors.staff_talk(request.user, pk)
    actor = request_user(request)
    deliver_form = DeliverForm(request.POST if request.POST.get("action") == "deliver" else None)
    cancel_form = CancelForm(request.POST if request.POST.get("action") == "cancel" else None)
    if request.method == "POST":
        form: ServiceForm = deliver_form if request.POST.get("action") == "deliver" else cancel_form
        if form.is_valid():
            try:
                if form is deliver_form:
                    services.talk_deliver(actor=actor, talk=talk, **form.cleaned_data)
                else:
                    services.talk_cancel(actor=actor, talk=talk, **form.cleaned_data)
            except ApplicationError as exc:
                reraise_refusal(exc)
                form.take_errors(exc)
            else:
                messages.success(request, _("已保存。"))
                return HttpResponseRedirect(reverse("honors:console_talk", args=[talk.pk]))
    ctx = {
        "talk": talk,
        "manage": talk.status == Talk.Status.BOOKED and can_act(request.user, talk.union, MANAGE_ROLES),
        "deliver_form": deliver_form,
        "cancel_form": cancel_form,
    }
    return _console(request, "honors/console_talk.html", ctx)
