"""Pages: the worker's application and status (帮扶 tab); the staff queue per step and the file
detail with its timeline (scoped; personal data masked, a clear view audited)."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.timezone import now
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yugong.accounts.models import request_user
from yugong.core.audit import audit_pii_view
from yugong.core.errors import ApplicationError, NotFound, ValidationFailed, reraise_refusal
from yugong.core.images import delete_picture, store_picture
from yugong.core.pii import mask_name
from yugong.core.timeutil import local_today
from yugong.members.models import Person
from yugong.orgs.access import require_role
from yugong.orgs.decorators import console_required

from . import exports, selectors, services
from .forms import (
    ApplyForm,
    CloseForm,
    DecisionForm,
    IncomeAnswerForm,
    IncomeCheckForm,
    ObjectionForm,
    ObjectionHandleForm,
    ReasonForm,
    ReassessForm,
    VisitForm,
)
from .models import HardshipFile


def _h5(request: HttpRequest, template: str, ctx: dict[str, Any]) -> HttpResponse:
    return render(request, template, {"tab": "help", **ctx})


def _console(request: HttpRequest, template: str, ctx: dict[str, Any]) -> HttpResponse:
    return render(request, template, {"section": "assistance", **ctx})


@login_required(login_url="accounts:login")
def h5_apply(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    person = Person.objects.filter(user=user).first()
    form = ApplyForm(request.POST or None)
    errors: dict[str, Any] = {}
    error = ""
    if request.method == "POST" and form.is_valid():
        try:
            if person is None:
                raise ValidationFailed(fields={"person": ""})
            services.file_apply(actor=user, person=person, **form.service_kwargs())
            return HttpResponseRedirect(reverse("assistance:h5_status"))
        except ValidationFailed as exc:
            errors = exc.fields
        except ApplicationError as exc:
            error = str(exc)
    return _h5(request, "assistance/h5_apply.html", {"form": form, "errors": errors, "error": error})


@login_required(login_url="accounts:login")
def h5_status(request: HttpRequest) -> HttpResponse:
    files = list(selectors.worker_files(request_user(request))[:10])
    return _h5(request, "assistance/h5_status.html", {"files": files})


@console_required
def queue(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", HardshipFile.Status.SUBMITTED)
    files = list(selectors.staff_queue(request.user, status=status)[:100])
    current = now()
    rows = [
        {
            "file": f,
            "name": mask_name(f.applicant.name),
            "overdue": f.due_at is not None and f.due_at < current,
        }
        for f in files
    ]
    tabs = [(s.value, s.label) for s in HardshipFile.Status if s.value in selectors.QUEUE_STATUSES]
    return _console(request, "assistance/console_queue.html", {"rows": rows, "tabs": tabs, "status": status})


@console_required
def detail(request: HttpRequest, file_id: int) -> HttpResponse:
    user = request_user(request)
    f = selectors.staff_file(user, file_id)
    reveal = request.method == "POST" and request.POST.get("action") == "reveal"
    if reveal:
        with transaction.atomic():
            audit_pii_view(
                actor=user, obj=f, fields=["name", "bank_card", "illness_note", "income"], union_id=f.union_id
            )
    steps = list(f.steps.all())
    for s in steps:  # the visit's pictures, wherever the storage keeps them
        s.photo_urls = [default_storage.url(n) for n in (s.data or {}).get("photos") or []]  # type: ignore[attr-defined]
        sig = (s.data or {}).get("signature")
        s.signature_url = default_storage.url(sig) if sig else ""  # type: ignore[attr-defined]
    Status = HardshipFile.Status
    ctx = {
        "f": f,
        "reveal": reveal,
        "name": f.applicant.name if reveal else mask_name(f.applicant.name),
        "overdue": selectors.is_overdue(f),
        "steps": steps,
        "step_action": "review" if f.status == Status.SUBMITTED else "approve",
        "decision_form": DecisionForm(),
        "visit_form": VisitForm(),
        "reassess_form": ReassessForm(),
        "close_form": CloseForm(),
        "reason_form": ReasonForm(),
        "objection_form": ObjectionHandleForm(),
        "answer_form": IncomeAnswerForm(),
        "open_objections": [o for o in f.objections.all() if o.handled_at is None],
        "checks": list(f.income_checks.all()),
        "can_check": f.status in (Status.SUBMITTED, Status.VISITING, Status.APPROVING, Status.ACTIVE)
        and f.consent_income_check,
        "now": now(),
    }
    return _console(request, "assistance/console_detail.html", ctx)


def _flash(request: HttpRequest, exc: ApplicationError) -> None:
    reraise_refusal(exc)
    details = "；".join(str(m) for msgs in exc.fields.values() for m in msgs)
    messages.error(request, details or str(exc.message))


def _signature(data_url: str) -> SimpleUploadedFile | None:
    """The signature pad's PNG data URL as an upload for ``core.images`` (which checks it)."""
    prefix = "data:image/png;base64,"
    if not data_url:
        return None
    if not data_url.startswith(prefix):
        raise ValidationFailed(fields={"signature": _("签名格式不正确，请重新签名。")})
    try:
        raw = base64.b64decode(data_url[len(prefix) :], validate=True)
    except (binascii.Error, ValueError):
        raise ValidationFailed(fields={"signature": _("签名格式不正确，请重新签名。")}) from None
    return SimpleUploadedFile("signature.png", raw, content_type="image/png")


def _visit(request: HttpRequest, user: Any, f: HardshipFile, stored: list[str]) -> None:
    form = VisitForm(request.POST, request.FILES)
    data = form.valid_or_raise()
    require_role(user, f.union, services.REVIEW_ROLES)  # before storing any picture
    photos = []
    for upload in (data.get("photos") or [])[:6]:
        saved = store_picture(upload, folder="assistance/visits", field="photos", label=_("走访照片"))
        stored.extend(saved.all_names())
        photos.append(saved.name)
    signature = ""
    sig = _signature(data.get("signature") or "")
    if sig is not None:
        saved = store_picture(sig, folder="assistance/signatures", field="signature", label=_("签名"))
        stored.extend(saved.all_names())
        signature = saved.name
    services.file_visit(
        actor=user,
        file=f,
        visited_at=data["visited_at"],
        place=data["place"],
        visitors=data["visitors"],
        findings=data["findings"],
        photos=photos,
        signature=signature,
    )


@console_required
@require_POST
def file_action(request: HttpRequest, file_id: int, action: str) -> HttpResponse:
    """The steps of a file, each through its service (the service checks the role and the status)."""
    user = request_user(request)
    f = selectors.staff_file(user, file_id)
    stored: list[str] = []
    try:
        if action == "review":
            d = DecisionForm(request.POST).valid_or_raise()
            services.file_review(actor=user, file=f, approve=d["approve"], note=d.get("note") or "")
        elif action == "visit":
            _visit(request, user, f, stored)
        elif action == "approve":
            d = DecisionForm(request.POST).valid_or_raise()
            services.file_approve(actor=user, file=f, approve=d["approve"], note=d.get("note") or "")
        elif action == "activate":
            services.file_activate(actor=user, file=f)
        elif action == "objection":
            d = ObjectionHandleForm(request.POST).valid_or_raise()
            if not f.objections.filter(pk=d["objection"]).exists():
                raise NotFound()
            services.objection_handle(
                actor=user, objection=d["objection"], upheld=d["upheld"], answer=d["answer"]
            )
        elif action == "income_check":
            d = IncomeCheckForm(request.POST).valid_or_raise()
            services.income_check_request(actor=user, file=f, reference=d.get("reference") or "")
        elif action == "income_answer":
            d = IncomeAnswerForm(request.POST).valid_or_raise()
            if not f.income_checks.filter(pk=d["check"]).exists():
                raise NotFound()
            services.income_check_answer(
                actor=user, check=d["check"], answer=d["answer"], note=d.get("note") or ""
            )
        elif action == "reassess":
            services.file_reassess(actor=user, file=f, **ReassessForm(request.POST).service_kwargs())
        elif action == "close":
            d = CloseForm(request.POST).valid_or_raise()
            services.file_close(actor=user, file=f, kind=d["kind"], reason=d["reason"])
        elif action == "reenter":
            d = ReasonForm(request.POST).valid_or_raise()
            services.file_reenter(actor=user, file=f, reason=d["reason"])
        else:
            raise NotFound()
        messages.success(request, _("已办理。"))
    except ApplicationError as exc:
        if stored:
            delete_picture(stored)
        _flash(request, exc)
    return HttpResponseRedirect(reverse("assistance:detail", args=[f.pk]))


@console_required
def reviews(request: HttpRequest) -> HttpResponse:
    """Active files whose annual review is due within 30 days (or overdue), in the subtree."""
    files = list(selectors.review_due(request_user(request))[:200])
    today = local_today()
    rows = [
        {
            "file": f,
            "name": mask_name(f.applicant.name),
            "overdue": f.review_due_on and f.review_due_on < today,
        }
        for f in files
    ]
    return _console(request, "assistance/console_reviews.html", {"rows": rows})


@login_required(login_url="accounts:login")
def h5_notices(request: HttpRequest) -> HttpResponse:
    """公示 of the worker's own unions: masked name and tier only; an objection form for each."""
    user = request_user(request)
    form = ObjectionForm(request.POST or None)
    if request.method == "POST":
        try:
            data = form.valid_or_raise()
            file_id = data.get("file")
            if not file_id or not selectors.worker_notices(user).filter(pk=file_id).exists():
                raise NotFound()
            services.objection_raise(actor=user, file=file_id, reason=data["reason"])
            messages.success(request, _("您的异议已提交，工会将核实处理。"))
            return HttpResponseRedirect(reverse("assistance:h5_notices"))
        except ApplicationError as exc:
            _flash(request, exc)
    notices = [{"file": f, "name": mask_name(f.applicant.name)} for f in selectors.worker_notices(user)[:50]]
    exits = [
        {"file": f, "name": mask_name(f.applicant.name)} for f in selectors.worker_exit_notices(user)[:50]
    ]
    return _h5(request, "assistance/h5_notices.html", {"notices": notices, "exits": exits, "form": form})


@login_required(login_url="accounts:login")
def h5_aid(request: HttpRequest) -> HttpResponse:
    """The aid the worker's household received (and what is on its way)."""
    rows = list(selectors.worker_aid(request_user(request))[:100])
    return _h5(request, "assistance/h5_aid.html", {"rows": rows})


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _xlsx(body: bytes, name: str) -> HttpResponse:
    response = HttpResponse(body, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _clear_allowed(request: HttpRequest, user: Any, union: Any) -> bool:
    """A clear export was asked for (``?clear=1``) and the viewer manages the whole union."""
    if request.GET.get("clear") != "1":
        return False
    require_role(user, union, services.REVIEW_ROLES)
    return True


@console_required
def files_export(request: HttpRequest) -> HttpResponse:
    """The files of one union's subtree (``?union=<id>``, default: the viewer's first node), masked
    unless ``?clear=1`` by a managing role there (audited)."""
    user = request_user(request)
    union = selectors.export_union(user, request.GET.get("union", ""))
    status = request.GET.get("status", HardshipFile.Status.ACTIVE)
    clear = _clear_allowed(request, user, union)
    files = selectors.files_for_export(user, union, status)
    if clear:
        with transaction.atomic():
            audit_pii_view(actor=user, obj=union, fields=["name", "bank_card", "income"], union_id=union.pk)
    return _xlsx(exports.files_xlsx(files, clear=clear), f"hardship-files-{union.pk}.xlsx")


@console_required
def cycle_export(request: HttpRequest, pk: int) -> HttpResponse:
    """A cycle's list with its payments, masked unless ``?clear=1`` (audited)."""
    user = request_user(request)
    c, _whole = selectors.staff_cycle(user, pk)
    clear = _clear_allowed(request, user, c.campaign.union)
    rows = selectors.cycle_rows(user, c).iterator(chunk_size=2000)
    if clear:
        with transaction.atomic():
            audit_pii_view(actor=user, obj=c, fields=["name"], union_id=c.campaign.union_id)
    return _xlsx(exports.cycle_xlsx(rows, clear=clear), f"aid-cycle-{c.pk}.xlsx")
