"""Staff console pages of the roster import and the member export (thin edges over
``roster.run`` and ``roster.exports``; every object through ``orgs.access``)."""

from __future__ import annotations

from typing import Any, cast

from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from yugong.accounts.models import request_user
from yugong.core.errors import ApplicationError, NotFound
from yugong.core.timeutil import local_now
from yugong.orgs.access import access_object, can_act, scope_filter, staff_scope
from yugong.orgs.acting import acting_union
from yugong.orgs.decorators import console_required

from ..forms import RosterUploadForm
from ..models import EmploymentForm, Membership
from .exports import PII_ROLES, XLSX, error_report, members_export, template_workbook
from .models import RosterImport
from .progress import progress_get
from .run import IMPORT_ROLES, roster_import_create
from .summary import import_message


def _ctx(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    return {"section": "orgs", "acting": acting_union(request), **extra}


def _xlsx(fileobj: Any, filename: str) -> HttpResponse:
    # A FileResponse streams the temporary file and closes (deletes) it; typed as HttpResponse
    # for console_required.
    response = FileResponse(fileobj, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename) or ""
    response["Cache-Control"] = "no-store"
    return cast(HttpResponse, response)


def _int(value: str | None) -> int | None:
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        return None


@console_required
@require_GET
def template(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(template_workbook(), content_type=XLSX)
    response["Content-Disposition"] = (
        content_disposition_header(as_attachment=True, filename="会员名册导入模板.xlsx") or ""
    )
    return response


@console_required
@require_http_methods(["GET", "POST"])
def import_page(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    unions = list(staff_scope(user, IMPORT_ROLES))
    ctx = _ctx(request)
    acting = ctx["acting"]
    errors: dict[str, list[str]] = {}
    posted = RosterUploadForm(request.POST, request.FILES) if request.method == "POST" else None
    d: dict[str, Any] = {}
    if posted is not None:
        posted.is_valid()
        d = posted.cleaned_data  # the fields that parsed: a union id that did not falls back below
    chosen = d.get("union")
    if chosen is None:
        chosen = acting.pk if acting and any(u.pk == acting.pk for u in unions) else None
    mode = (
        d.get("mode", "")
        if posted is not None and "mode" in posted.data
        else RosterImport.Mode.ALL_OR_NOTHING
    )
    if request.method == "POST":
        union = next((u for u in unions if u.pk == chosen), None)
        upload = d.get("file")
        if union is None:
            errors["union"] = [_("请选择您担任主席、副主席或工作人员的工会。")]
        if upload is None:
            errors["file"] = [_("请选择要上传的名册文件。")]
        if not errors and union is not None:
            try:
                ri, created = roster_import_create(actor=user, union=union, uploaded=upload, mode=mode)
            except ApplicationError as exc:
                errors = {k: [str(m) for m in v] for k, v in exc.fields.items()} or {
                    "file": [str(exc.message)]
                }
            else:
                url = reverse("roster:import_detail", args=[ri.pk])
                return HttpResponseRedirect(url if created else f"{url}?again=1")
    recent = (
        scope_filter(RosterImport.objects.all(), user)
        .select_related("union", "uploaded_by")
        .order_by("-created_at", "-id")[:20]
    )
    return render(
        request,
        "members/import_upload.html",
        {
            **ctx,
            "unions": unions,
            "chosen": chosen,
            "mode": mode,
            "modes": RosterImport.Mode.choices,
            "errors": errors,
            "recent": recent,
        },
    )


def _import_for(request: HttpRequest, pk: int) -> RosterImport:
    return access_object(
        RosterImport.objects.select_related("union", "uploaded_by"),
        request.user,
        pk,
        path_field="union__path",
    )


@console_required
@require_GET
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    ri = _import_for(request, pk)
    errors = Paginator(ri.errors.order_by("row", "id"), 100).get_page(request.GET.get("page"))
    return render(
        request,
        "members/import_detail.html",
        {
            **_ctx(request),
            "ri": ri,
            "message": import_message(ri.message),
            "progress": progress_get(ri),
            "errors": errors,
            "again": request.GET.get("again") == "1",
            "can_report": _may_see_report(request, ri),
        },
    )


def _may_see_report(request: HttpRequest, ri: RosterImport) -> bool:
    return ri.uploaded_by_id == request.user.pk or can_act(request.user, ri.union, PII_ROLES)


@console_required
@require_GET
def import_progress(request: HttpRequest, pk: int) -> HttpResponse:
    ri = _import_for(request, pk)
    response = render(request, "members/import_progress.html", {"ri": ri, "progress": progress_get(ri)})
    if ri.is_finished and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"  # show the result (rejected rows) once it is there
    return response


@console_required
@require_GET
def import_errors_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    ri = _import_for(request, pk)
    if not _may_see_report(request, ri) or not ri.is_finished:
        raise NotFound()
    out, _count = error_report(actor=request_user(request), roster_import=ri)
    return _xlsx(out, f"导入错误报告-{ri.pk}.xlsx")


@console_required
@require_GET
def export_page(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    union_id = _int(request.GET.get("union"))
    status = request.GET.get("status", "")
    q = request.GET.get("q", "").strip()
    employment_form = request.GET.get("employment_form", "")
    full = request.GET.get("full") == "1"
    params = {"union_id": union_id, "status": status, "q": q, "employment_form": employment_form}
    if request.GET.get("download") == "1":
        out, _count = members_export(
            actor=user, union_id=union_id, status=status, q=q, employment_form=employment_form, full=full
        )
        stamp = local_now().strftime("%Y%m%d-%H%M")
        return _xlsx(out, f"会员名册-{stamp}.xlsx")
    return render(
        request,
        "members/export_form.html",
        {
            **_ctx(request),
            "params": params,
            "unions": list(staff_scope(user)),
            "statuses": Membership.Status.choices,
            "forms": EmploymentForm.choices,
            "may_full": any(True for _u in staff_scope(user, PII_ROLES)),
        },
    )
