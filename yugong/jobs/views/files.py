"""Résumé files (the worker's own; an employer's view through an intent, audited) and check-in at
an on-site fair by the QR code posted at the venue (with the staff's printable code)."""

from __future__ import annotations

import io
from typing import cast

import segno
from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from yugong.accounts.models import request_user
from yugong.core.errors import ApplicationError, NotFound, reraise_refusal
from yugong.orgs.decorators import console_required, worker_required

from .. import selectors
from ..forms import CheckinForm, ResumeFileForm
from ..models import JobFair, Resume
from ..services import files


def _file_response(resume: Resume) -> HttpResponse:
    response = FileResponse(
        resume.file.open("rb"), content_type=resume.file_type or "application/octet-stream", as_attachment=True,
        filename=resume.file_name or "resume",
    )  # fmt: skip
    response["Cache-Control"] = "private, no-store"
    return cast(HttpResponse, response)  # the page decorators are typed for HttpResponse; this streams


@require_http_methods(["GET", "POST"])
@worker_required
def h5_resume_file(request: HttpRequest, resume_id: int) -> HttpResponse:
    """GET: the worker's own file. POST: attach (``action=upload``) or remove (``action=remove``)."""
    user = request_user(request)
    if request.method == "GET":
        return _file_response(files.resume_file_for_worker(actor=user, resume_id=resume_id))
    action = request.POST.get("action")
    form = ResumeFileForm(request.POST, request.FILES)
    try:
        if action == "remove":
            files.resume_file_remove(actor=user, resume_id=resume_id)
            messages.success(request, _("已删除简历附件。"))
        elif action == "upload":
            data = form.valid_or_raise()
            files.resume_file_attach(actor=user, resume_id=resume_id, upload=data["file"])
            messages.success(request, _("已上传简历附件，只有您投递的单位能查看。"))
        else:
            raise NotFound()
    except ApplicationError as exc:
        reraise_refusal(exc)
        for line in form.messages_of(exc):
            messages.error(request, line)
    return HttpResponseRedirect(reverse("jobs:h5_resumes"))


@require_GET
def e_resume_file(request: HttpRequest, employer_id: int, intent_id: int) -> HttpResponse:
    """The recruiter opens the file of the résumé a worker sent them (audited)."""
    if not request.user.is_authenticated:
        raise NotFound()
    user = request_user(request)
    return _file_response(
        files.resume_file_for_employer(actor=user, employer_id=employer_id, intent_id=intent_id)
    )


@require_http_methods(["GET", "POST"])
@worker_required
def h5_fair_checkin(request: HttpRequest, fair_id: int) -> HttpResponse:
    """The page the venue's QR code opens: one tap checks in; scanning again shows the check-in."""
    fair = selectors.public_fair(fair_id)
    form = CheckinForm(request.POST if request.method == "POST" else request.GET)
    done = None
    error = ""
    if request.method == "POST":
        try:
            data = form.valid_or_raise()
            done, created = files.fair_checkin(actor=request_user(request), fair_id=fair.pk, token=data["k"])
        except ApplicationError as exc:
            reraise_refusal(exc)
            error = " ".join(form.messages_of(exc))
        else:
            if created:
                messages.success(request, _("签到成功，欢迎参加招聘会！"))
    elif not form.is_valid():
        raise NotFound()
    else:
        files.fair_from_token(form.cleaned_data["k"])  # a made-up code is "not found"
        done = fair.checkins.filter(user_id=request.user.pk).first()
    ctx = {"tab": "services", "fair": fair, "token": form.data.get("k", ""), "done": done, "error": error}
    return render(request, "jobs/h5_fair_checkin.html", ctx, status=409 if error else 200)


@console_required
@require_GET
def c_fair_qr(request: HttpRequest, fair_id: int) -> HttpResponse:
    """The venue's check-in QR code (SVG, for printing), for staff over the fair."""
    fair: JobFair = selectors.staff_fair(request.user, fair_id)
    if fair.kind != JobFair.Kind.ONSITE:
        raise NotFound()
    path = reverse("jobs:h5_fair_checkin", args=[fair.pk]) + "?k=" + files.checkin_token(fair)
    buf = io.BytesIO()
    segno.make(request.build_absolute_uri(path), error="m").save(buf, kind="svg", scale=8, border=2)
    return HttpResponse(buf.getvalue(), content_type="image/svg+xml")


__all__ = ["c_fair_qr", "e_resume_file", "h5_fair_checkin", "h5_resume_file"]
