"""Worker pages: a live/offline class (sign up, cancel, attendance by the QR shown at the class)
and credit conversion into a programme (apply; see what was converted)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _

from yugong.accounts.models import request_user
from yugong.core.errors import ApplicationError, NotFound, ValidationFailed, reraise_refusal
from yugong.members.models import Person
from yugong.orgs.decorators import worker_required

from . import selectors
from .classes import CLASS_KINDS, class_cancel, class_checkin, class_signup
from .conversion import conversion_apply, convertible_entries
from .forms import CheckinForm, ConversionForm
from .models import ClassSignup, ConversionApplication, Programme
from .views import _h5, _person


def _need_person(person: Person | None) -> Person:
    if person is None:
        raise ValidationFailed(fields={"person": _("请先完成实名认证，开通终身学习账户。")})
    return person


@worker_required
def h5_class(request: HttpRequest, pk: int) -> HttpResponse:
    lesson = selectors.lesson_for_worker(pk)
    session = getattr(lesson, "class_session", None) if lesson.kind in CLASS_KINDS else None
    if session is None:
        raise NotFound()
    person = _person(request)
    action = request.POST.get("action") if request.method == "POST" else None
    form = CheckinForm(
        request.POST if action == "checkin" else None, initial={"code": request.GET.get("k", "")}
    )
    if action in {"signup", "cancel"} or (action == "checkin" and form.is_valid()):
        actor = request_user(request)
        try:
            who = _need_person(person)
            if action == "signup":
                class_signup(person=who, lesson_id=lesson.pk, actor=actor)
                messages.success(request, _("报名成功，请按时参加。"))
            elif action == "cancel":
                class_cancel(person=who, lesson_id=lesson.pk, actor=actor)
                messages.success(request, _("已取消报名。"))
            else:
                done = class_checkin(
                    person=who, lesson_id=lesson.pk, code=form.cleaned_data["code"], actor=actor
                )
                messages.success(
                    request,
                    _("签到成功，本节已学完。课程已结业，证书已签发。")
                    if done
                    else _("签到成功，本节已学完。"),
                )
        except ApplicationError as exc:
            reraise_refusal(exc)
            if action == "checkin":
                form.take_errors(exc)
            else:
                messages.error(request, str(exc.message))
        else:
            return HttpResponseRedirect(reverse("learning:h5_class", args=[lesson.pk]))
    signup = ClassSignup.objects.filter(session=session, person=person).first() if person else None
    session.refresh_from_db(fields=["taken"])
    ctx = {
        "lesson": lesson,
        "session": session,
        "signup": signup,
        "form": form,
        "code": request.GET.get("k", ""),
    }
    return _h5(request, "learning/h5_class.html", ctx)


@worker_required
def h5_convert(request: HttpRequest) -> HttpResponse:
    """Apply to convert bank credits into a programme's credits; my applications and results."""
    person = _person(request)
    programmes = list(
        Programme.objects.select_related("provider").prefetch_related("agreements").order_by("pk")
    )
    chosen = next((p for p in programmes if str(p.pk) == request.GET.get("programme")), None)
    if chosen is None and programmes:
        chosen = programmes[0]
    entries = convertible_entries(person, chosen) if person and chosen else []
    form = ConversionForm(request.POST or None, initial={"programme": chosen.pk if chosen else None})
    form.set_choices("programme", [(p.pk, f"{p.provider.name} · {p.name}") for p in programmes])
    form.set_choices(
        "entries",
        [(e.pk, f"{e.get_source_display()} · {e.credits} · {e.created_at:%Y-%m-%d}") for e in entries],
    )
    if request.method == "POST" and form.is_valid():
        try:
            conversion_apply(
                person=_need_person(person),
                programme_id=form.cleaned_data["programme"],
                entry_ids=form.cleaned_data["entries"],
                actor=request_user(request),
            )
        except ApplicationError as exc:
            reraise_refusal(exc)
            form.take_errors(exc)
        else:
            messages.success(request, _("转换申请已提交，待院校所在工会审核。"))
            return HttpResponseRedirect(reverse("learning:h5_convert"))
    applications = (
        list(
            ConversionApplication.objects.filter(account__person=person)
            .select_related("programme__provider")
            .order_by("-submitted_at", "-pk")[:50]
        )
        if person
        else []
    )
    ctx = {
        "programme": chosen,
        "programmes": programmes,
        "form": form,
        "entries": entries,
        "applications": applications,
    }
    return _h5(request, "learning/h5_convert.html", ctx)
