"""Console pages: the spot checks (抽查) of the annual reviews — draw, queue, record — and the
export for the national system."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from yugong.accounts.models import request_user
from yugong.core.audit import audit_pii_view
from yugong.core.errors import ApplicationError, reraise_refusal
from yugong.core.pii import mask_name
from yugong.core.timeutil import local_today
from yugong.orgs.access import access_union
from yugong.orgs.decorators import console_required

from . import national, selectors, services
from .forms import SpotCheckForm, SpotDrawForm
from .models import HardshipFile, SpotCheck
from .services.spotchecks import due_files, spot_check_share


@console_required
def spot_checks(request: HttpRequest) -> HttpResponse:
    """The draws of the viewer's subtree (each re-computed from its seed), this year's draw for the
    viewer's own union, and the checks by result (``?result=``) with a form to record each."""
    user = request_user(request)
    union = selectors.export_union(user, request.GET.get("union", ""))
    if request.method == "POST":
        try:
            if request.POST.get("action") == "draw":
                data = SpotDrawForm(request.POST).valid_or_raise()
                target = access_union(user, data["union"])  # the service checks the role (403)
                draw = services.spot_check_draw(actor=user, union=target)
                messages.success(request, _("已抽取%(n)s份档案进行抽查。") % {"n": draw.checks.count()})
            else:
                data = SpotCheckForm(request.POST).valid_or_raise()
                services.spot_check_record(
                    actor=user, check=data["check"], result=data["result"], note=data["note"]
                )
                messages.success(request, _("抽查结果已记录。"))
            return HttpResponseRedirect(reverse("assistance:spot_checks"))
        except ApplicationError as exc:
            reraise_refusal(exc)
            messages.error(
                request, str(exc) or "；".join(str(v) for v in getattr(exc, "fields", {}).values())
            )
    result = request.GET.get("result", SpotCheck.Result.PENDING)
    checks = list(selectors.spot_checks(user, result=result)[:200])
    draws = list(selectors.spot_draws(user)[:20])
    ctx: dict[str, Any] = {
        "section": "assistance",
        "union": union,
        "due": len(due_files(union)),
        "drawn": any(d.union_id == union.pk and d.year == local_today().year for d in draws),
        "share": spot_check_share(),
        "draws": [{"draw": d, "verified": services.draw_verify(d)} for d in draws],
        "rows": [{"check": c, "name": mask_name(c.file.applicant.name) if c.file else "—"} for c in checks],
        "result": result,
        "results": SpotCheck.Result.choices,
        "form": SpotCheckForm(),
    }
    return render(request, "assistance/console_spot_checks.html", ctx)


@console_required
def national_export(request: HttpRequest) -> HttpResponse:
    """The files of one union's subtree in the national system's layout (``?union=<id>``,
    ``?status=`` active by default, ``all`` for every status), masked unless ``?clear=1`` by a
    managing role there (audited)."""
    user = request_user(request)
    union = selectors.export_union(user, request.GET.get("union", ""))
    clear = request.GET.get("clear") == "1"
    if clear:
        from yugong.orgs.access import require_role

        require_role(user, union, services.REVIEW_ROLES)
        with transaction.atomic():
            audit_pii_view(
                actor=user,
                obj=union,
                fields=["name", "id_number", "phone", "bank_card", "income"],
                union_id=union.pk,
            )
    status = request.GET.get("status", HardshipFile.Status.ACTIVE)
    files = selectors.files_in(user, union, status)
    response = national.national_response(files, clear=clear, name=f"national-{union.pk}.xlsx")
    response["Cache-Control"] = "no-store"
    return response  # type: ignore[return-value]
