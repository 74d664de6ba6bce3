"""Pages: the worker's application and status (帮扶 tab); the staff queue per step and the file
detail with its timeline (scoped; personal data masked, a clear view audited)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.timezone import now

from yugong.accounts.models import request_user
from yugong.core.audit import audit_pii_view
from yugong.core.errors import ApplicationError, ValidationFailed
from yugong.core.pii import mask_name
from yugong.members.models import Person
from yugong.orgs.decorators import console_required

from . import selectors, services
from .forms import ApplyForm
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
    ctx = {
        "f": f,
        "reveal": reveal,
        "name": f.applicant.name if reveal else mask_name(f.applicant.name),
        "overdue": selectors.is_overdue(f),
        "steps": list(f.steps.all()),
    }
    return _console(request, "assistance/console_detail.html", ctx)
