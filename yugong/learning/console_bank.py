"""Console pages of the credit conversion (programmes, recognition agreements, the conversion
review queue) and of live/offline classes (schedule, roster, the attendance QR). Writes go through
forms and the services; everything is scoped to the staff member's subtree."""

from __future__ import annotations

import segno
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yugong.accounts.models import request_user
from yugong.core.errors import ApplicationError, PermissionDenied, reraise_refusal
from yugong.orgs.access import MANAGE_ROLES, access_object, can_act, scope_filter
from yugong.orgs.decorators import console_required

from . import selectors
from .badges import absolute
from .classes import CLASS_KINDS, checkin_url, class_rotate_secret, class_schedule
from .console import _console
from .conversion import agreement_set, conversion_review, programme_create
from .forms import AgreementForm, ClassScheduleForm, ConversionReviewForm, ProgrammeForm
from .models import ClassSession, ConversionApplication, Lesson, Programme


@console_required
def programmes(request: HttpRequest) -> HttpResponse:
    """The subtree's programmes with their recognition agreements; new programme, sign agreement."""
    rows = list(
        scope_filter(Programme.objects.select_related("provider", "union"), request.user)
        .prefetch_related("agreements")
        .order_by("pk")[:200]
    )
    manageable = [p for p in rows if can_act(request.user, p.union, MANAGE_ROLES)]
    providers = [
        p
        for p in selectors.staff_providers(request.user)[:300]
        if can_act(request.user, p.union, MANAGE_ROLES)
    ]
    which = request.POST.get("form") if request.method == "POST" else None
    programme_form = ProgrammeForm(request.POST if which == "programme" else None)
    programme_form.set_choices("provider", [(p.pk, p.name) for p in providers])
    agreement_form = AgreementForm(request.POST if which == "agreement" else None)
    agreement_form.set_choices("programme", [(p.pk, p.name) for p in manageable])
    form = {"programme": programme_form, "agreement": agreement_form}.get(which or "")
    if form is not None:
        if not providers:
            raise PermissionDenied()
        if form.is_valid():
            actor = request_user(request)
            try:
                if which == "programme":
                    programme_create(actor=actor, **form.cleaned_data)
                else:
                    agreement_set(actor=actor, **form.cleaned_data)
            except ApplicationError as exc:
                reraise_refusal(exc)
                form.take_errors(exc)
            else:
                messages.success(request, _("已保存。"))
                return HttpResponseRedirect(reverse("learning:console_programmes"))
    ctx = {
        "rows": rows,
        "programme_form": programme_form if providers else None,
        "agreement_form": agreement_form if manageable else None,
    }
    return _console(request, "learning/console_programmes.html", ctx)


@console_required
def conversions(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", ConversionApplication.Status.SUBMITTED)
    qs = scope_filter(
        ConversionApplication.objects.select_related("account__person", "programme__provider", "decided_by"),
        request.user,
        path_field="programme__union__path",
    ).prefetch_related("entries")
    if status in ConversionApplication.Status.values:
        qs = qs.filter(status=status)
    page = Paginator(qs.order_by("submitted_at", "pk"), 30).get_page(request.GET.get("page"))
    ctx = {
        "page": page,
        "status": status,
        "statuses": ConversionApplication.Status.choices,
        "form": ConversionReviewForm(),
    }
    return _console(request, "learning/console_conversions.html", ctx)


@console_required
@require_POST
def conversion_decide(request: HttpRequest, pk: int) -> HttpResponse:
    form = ConversionReviewForm(request.POST)
    try:
        if not form.is_valid():
            messages.error(request, "；".join(str(m) for msgs in form.errors.values() for m in msgs))
        else:
            application = conversion_review(
                actor=request_user(request),
                application_id=pk,
                approve=form.cleaned_data["decision"] == "approve",
                note=form.cleaned_data["note"],
            )
            messages.success(request, _("已审核，转入 %(g)s 学分。") % {"g": application.granted})
    except ApplicationError as exc:
        reraise_refusal(exc)
        details = "；".join(str(m) for msgs in exc.fields.values() for m in msgs)
        messages.error(request, details or str(exc.message))
    return HttpResponseRedirect(reverse("learning:console_conversions"))


@console_required
def class_page(request: HttpRequest, pk: int) -> HttpResponse:
    """A live/offline class lesson: its time, place and seats, the roster, the attendance QR."""
    lesson = access_object(
        Lesson.objects.select_related("course__union"), request.user, pk, path_field="course__union__path"
    )
    if lesson.kind not in CLASS_KINDS:
        raise PermissionDenied()
    session = ClassSession.objects.filter(lesson=lesson).first()
    manage = can_act(request.user, lesson.course.union, MANAGE_ROLES)
    action = request.POST.get("action") if request.method == "POST" else None
    initial = (
        {
            "starts_at": session.starts_at,
            "ends_at": session.ends_at,
            "place": session.place,
            "capacity": session.capacity,
        }
        if session
        else {}
    )
    form = ClassScheduleForm(request.POST if action == "schedule" else None, initial=initial)
    if action is not None:
        actor = request_user(request)
        try:
            if action == "rotate":
                class_rotate_secret(actor=actor, lesson=lesson)
                messages.success(request, _("已更换签到二维码，旧码作废。"))
                return HttpResponseRedirect(reverse("learning:console_class", args=[lesson.pk]))
            if action == "schedule" and form.is_valid():
                class_schedule(actor=actor, lesson=lesson, **form.cleaned_data)
                messages.success(request, _("已保存。"))
                return HttpResponseRedirect(reverse("learning:console_class", args=[lesson.pk]))
        except ApplicationError as exc:
            reraise_refusal(exc)
            form.take_errors(exc)
    roster = (
        list(session.signups.select_related("person").order_by("signed_at", "pk")[:1000]) if session else []
    )
    qr = (
        str(segno.make(absolute(checkin_url(session)), error="m").svg_data_uri(scale=6, border=2))
        if session and manage
        else ""
    )
    ctx = {
        "lesson": lesson,
        "session": session,
        "roster": roster,
        "attended": sum(1 for s in roster if s.attended_at),
        "form": form if manage else None,
        "qr": qr,
    }
    return _console(request, "learning/console_class.html", ctx)
