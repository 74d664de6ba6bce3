"""Console pages of the 职工之家 rating workflow: the overview (my review queue, applications in my
subtree, totals by level), score sheets, an application (self-scores with evidence, submit, decide),
evidence downloads and publication."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from yugong.accounts.models import request_user
from yugong.core.audit import audit_record
from yugong.core.errors import ApplicationError, NotFound, PermissionDenied, reraise_refusal
from yugong.core.timeutil import local_today

from .. import selectors, services
from ..access import MANAGE_ROLES, access_object, access_union, can_act, grants, scope_paths
from ..decorators import console_required
from ..forms import HomeApplicationForm, HomeDecisionForm, HomePublishForm, HomeScoreForm, HomeSheetForm
from ..models import HomeApplication, HomeCriterion, HomeScore, Union
from ..services.homes import holds_role_at
from .common import _ctx, _union_field


@console_required
@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    union = None
    if request.GET.get("union"):
        union = access_union(user, request.GET.get("union"))
    here = [g for g in grants(user) if g.role in MANAGE_ROLES]
    return render(
        request,
        "orgs/homes.html",
        _ctx(
            request,
            queue=list(selectors.home_review_queue(user)[:200]),
            applications=list(selectors.home_applications(user)[:200]),
            totals=selectors.home_totals(user, union=union),
            totals_union=union,
            sheets=selectors.home_sheets(user),
            can_manage=bool(scope_paths(user, MANAGE_ROLES)),
            publish_form=HomePublishForm(initial={"year": local_today().year}),
            publish_unions=list(Union.objects.filter(pk__in={g.union_id for g in here}).order_by("path")),
        ),
    )


@console_required
@require_http_methods(["GET", "POST"])
def sheet_create(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    if not scope_paths(user, MANAGE_ROLES):
        raise PermissionDenied()
    form = HomeSheetForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        try:
            data = form.valid_or_raise()
            data["union"] = _union_field(form, "union", user, MANAGE_ROLES)
            services.home_sheet_create(actor=user, **data)
        except ApplicationError as exc:
            reraise_refusal(exc)
            if not form.errors:
                form.apply_errors(exc)
        else:
            messages.success(request, _("已建立评分表。"))
            return HttpResponseRedirect(reverse("orgs:homes"))
    return render(
        request,
        "orgs/form.html",
        _ctx(request, form=form, title=_("建立职工之家评分表")),
        status=422 if form.errors else 200,
    )


@console_required
@require_http_methods(["GET", "POST"])
def application_create(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    if not scope_paths(user, MANAGE_ROLES):
        raise PermissionDenied()
    form = HomeApplicationForm(
        request.POST if request.method == "POST" else None, initial={"year": local_today().year}
    )
    sheet_field = form.fields["sheet"]
    assert isinstance(sheet_field, forms.TypedChoiceField)
    sheet_field.choices = [(s.pk, s.name) for s in selectors.home_sheets(user)]
    if request.method == "POST":
        try:
            data = form.valid_or_raise()
            data["union"] = _union_field(form, "union", user, MANAGE_ROLES)
            data["sheet_id"] = data.pop("sheet")
            app = services.home_application_create(actor=user, **data)
        except ApplicationError as exc:
            reraise_refusal(exc)
            if not form.errors:
                form.apply_errors(exc)
        else:
            messages.success(request, _("已建立申报，请逐项自评并上传佐证材料。"))
            return HttpResponseRedirect(reverse("orgs:home_application", args=[app.pk]))
    return render(
        request,
        "orgs/form.html",
        _ctx(request, form=form, title=_("申报职工之家")),
        status=422 if form.errors else 200,
    )


def _application(request: HttpRequest, pk: int) -> HomeApplication:
    """Staff over the applicant, or staff of the union now reviewing it (who may sit in another
    branch of the tree only when it is their turn: the city or a district above)."""
    user = request_user(request)
    app = HomeApplication.objects.select_related("union", "reviewer", "sheet").filter(pk=pk).first()
    if app is not None and app.reviewer is not None and holds_role_at(user, app.reviewer):
        return app
    return access_object(HomeApplication.objects.select_related("union", "reviewer", "sheet"), user, pk)


@console_required
@require_http_methods(["GET", "POST"])
def application(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    app = _application(request, pk)
    editable = app.status in (HomeApplication.Status.DRAFT, HomeApplication.Status.RETURNED)
    can_edit = editable and can_act(user, app.union, MANAGE_ROLES)
    can_decide = (
        app.status == HomeApplication.Status.REVIEWING
        and app.reviewer is not None
        and holds_role_at(user, app.reviewer)
    )
    chosen = request.POST.get("form")
    score_form = HomeScoreForm(request.POST, request.FILES) if chosen == "score" else None
    decision_form = HomeDecisionForm(request.POST if chosen == "decision" else None)
    if request.method == "POST":
        try:
            if score_form is not None:
                data = score_form.valid_or_raise()
                services.home_score_set(
                    actor=user,
                    application_id=app.pk,
                    criterion_id=data["criterion"],
                    score=data["score"],
                    note=data["note"],
                    evidence=data["evidence"],
                )
                messages.success(request, _("已保存评分。"))
            elif decision_form.is_bound:
                services.home_application_decide(
                    actor=user, application_id=app.pk, **decision_form.valid_or_raise()
                )
                messages.success(request, _("已记录审核结论。"))
            elif chosen == "submit":
                services.home_application_submit(actor=user, application_id=app.pk)
                messages.success(request, _("已提交审核。"))
            else:
                raise NotFound()
        except ApplicationError as exc:
            reraise_refusal(exc)
            form: Any = score_form or decision_form
            for line in form.messages_of(exc):
                messages.error(request, line)
        return HttpResponseRedirect(reverse("orgs:home_application", args=[app.pk]))
    scores = {s.criterion_id: s for s in HomeScore.objects.filter(application=app)}
    criteria = [{"c": c, "s": scores.get(c.pk)} for c in HomeCriterion.objects.filter(sheet_id=app.sheet_id)]
    return render(
        request,
        "orgs/home_application.html",
        _ctx(
            request,
            app=app,
            criteria=criteria,
            reviews=list(app.reviews.select_related("reviewer", "decided_by")),
            can_edit=can_edit,
            can_decide=can_decide,
            decision_form=HomeDecisionForm(initial={"version": app.version}),
            self_total=sum(s.score for s in scores.values()),
        ),
    )


@console_required
@require_GET
def evidence(request: HttpRequest, pk: int, score_id: int) -> HttpResponse:
    app = _application(request, pk)
    row = HomeScore.objects.filter(pk=score_id, application=app).first()
    if row is None or not row.evidence:
        raise NotFound()
    audit_record(
        actor=request_user(request), action="home_application.evidence_view", obj=app, union_id=app.union_id
    )
    response = FileResponse(
        row.evidence.open("rb"), as_attachment=False, filename=row.evidence_name or "evidence"
    )
    response["Cache-Control"] = "private, no-store"
    return cast(HttpResponse, response)  # the console decorators are typed for HttpResponse; this streams


@console_required
@require_POST
def publish(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    form = HomePublishForm(request.POST)
    try:
        data = form.valid_or_raise()
        union = access_union(user, data.pop("union"))
        ratings = services.home_ratings_publish(actor=user, union=union, **data)
    except ApplicationError as exc:
        reraise_refusal(exc)
        for line in form.messages_of(exc):
            messages.error(request, line)
    else:
        messages.success(request, _("已公布%(n)s个职工之家称号。") % {"n": len(ratings)})
    return HttpResponseRedirect(reverse("orgs:homes"))
