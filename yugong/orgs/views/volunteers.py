"""Console pages of volunteer teams, volunteers and service records."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from yugong.accounts.models import request_user
from yugong.core.errors import ApplicationError, NotFound, PermissionDenied, ValidationFailed, reraise_refusal
from yugong.core.pii import mask_phone

from .. import selectors, services
from ..access import MANAGE_ROLES, access_object, can_act, require_role, scope_paths
from ..decorators import console_required
from ..forms import (
    ServiceActivityForm,
    ServiceRecordForm,
    TeamLeaderForm,
    VolunteerForm,
    VolunteerTeamForm,
    apply_errors,
)
from ..models import Volunteer, VolunteerTeam
from .common import _ctx, _union_field


@console_required
@require_GET
def volunteer_teams(request: HttpRequest) -> HttpResponse:
    teams = list(selectors.volunteer_teams(request.user)[:500])
    return render(
        request,
        "orgs/volunteer_teams.html",
        _ctx(request, teams=teams, can_manage=bool(scope_paths(request.user, MANAGE_ROLES))),
    )


@console_required
@require_http_methods(["GET", "POST"])
def volunteer_team_create(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    if not scope_paths(user, MANAGE_ROLES):
        raise PermissionDenied()
    form = VolunteerTeamForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            data = dict(form.cleaned_data)
            data["union"] = _union_field(form, "union", user, MANAGE_ROLES)
            parent_id = data.pop("parent")
            parent = None
            if parent_id:
                try:
                    parent = access_object(VolunteerTeam.objects.select_related("union"), user, parent_id)
                except NotFound:
                    raise ValidationFailed(fields={"parent": _("未找到该队伍。")}) from None
            team = services.volunteer_team_create(actor=user, parent=parent, **data)
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("已建立志愿服务队。"))
            return HttpResponseRedirect(reverse("orgs:volunteer_team", args=[team.pk]))
    return render(
        request,
        "orgs/form.html",
        _ctx(request, form=form, title=_("建立志愿服务队")),
        status=422 if form.errors else 200,
    )


@console_required
@require_http_methods(["GET", "POST"])
def volunteer_team(request: HttpRequest, pk: int) -> HttpResponse:
    """A team: its volunteers (phones masked), service records, and forms to add both."""
    user = request_user(request)
    team = access_object(VolunteerTeam.objects.select_related("union", "parent", "leader"), user, pk)
    can_manage = can_act(user, team.union, MANAGE_ROLES)
    volunteer_form = VolunteerForm(request.POST if request.POST.get("form") == "volunteer" else None)
    record_form = ServiceRecordForm(request.POST if request.POST.get("form") == "record" else None)
    leader_form = TeamLeaderForm(request.POST if request.POST.get("form") == "leader" else None)
    if request.method == "POST":
        require_role(user, team.union, MANAGE_ROLES)
        try:
            if leader_form.is_bound:
                services.team_leader_set(
                    actor=user, team=team, volunteer_id=leader_form.valid_or_raise()["volunteer"]
                )
                messages.success(request, _("已设置队长。"))
                return HttpResponseRedirect(reverse("orgs:volunteer_team", args=[team.pk]))
            if volunteer_form.is_bound and volunteer_form.is_valid():
                services.volunteer_add(actor=user, team=team, **volunteer_form.cleaned_data)
                messages.success(request, _("已登记志愿者。"))
                return HttpResponseRedirect(reverse("orgs:volunteer_team", args=[team.pk]))
            if record_form.is_bound and record_form.is_valid():
                data = dict(record_form.cleaned_data)
                volunteer = (
                    Volunteer.objects.filter(pk=data.pop("volunteer"), team=team)
                    .select_related("team")
                    .first()
                )
                if volunteer is None:
                    raise ValidationFailed(fields={"volunteer": _("本队没有这名志愿者。")})
                services.service_record_add(actor=user, volunteer=volunteer, **data)
                messages.success(request, _("已登记服务时长。"))
                return HttpResponseRedirect(reverse("orgs:volunteer_team", args=[team.pk]))
        except ValidationFailed as exc:
            if leader_form.is_bound:
                leader_form.apply_errors(exc)
            else:
                apply_errors(volunteer_form if volunteer_form.is_bound else record_form, exc)
    volunteers: list[dict[str, Any]] = [
        {
            "pk": v.pk,
            "name": v.name,
            "phone": mask_phone(v.phone),
            "skills": v.skills,
            "active": v.active,
            "minutes": getattr(v, "total_minutes", 0),
            "has_account": v.user_id is not None,
            "hours": round(getattr(v, "total_minutes", 0) / 60, 1),
        }
        for v in selectors.team_volunteers(team)
    ]
    total_minutes = sum(r["minutes"] for r in volunteers) / 60
    return render(
        request,
        "orgs/volunteer_team.html",
        _ctx(
            request,
            team=team,
            volunteers=volunteers,
            total_hours=round(total_minutes, 1),
            records=selectors.team_records(team),
            can_manage=can_manage,
            can_lead=services.can_lead(user, team),
            volunteer_form=volunteer_form,
            record_form=record_form,
            leader_form=leader_form,
            activities=selectors.team_activities(team),
        ),
        status=422 if (volunteer_form.errors or record_form.errors or leader_form.errors) else 200,
    )


@console_required
@require_http_methods(["GET", "POST"])
def service_activity_create(request: HttpRequest, pk: int) -> HttpResponse:
    """A new 服务活动 of a team (union staff over the team; the lead uses the same service)."""
    user = request_user(request)
    team = access_object(VolunteerTeam.objects.select_related("union"), user, pk)
    if not services.can_lead(user, team):
        raise PermissionDenied()
    form = ServiceActivityForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        try:
            activity = services.service_activity_create(actor=user, team=team, **form.valid_or_raise())
        except ApplicationError as exc:
            reraise_refusal(exc)
            if not form.errors:
                form.apply_errors(exc)
        else:
            messages.success(request, _("已发布服务活动，职工可在手机上报名。"))
            return HttpResponseRedirect(reverse("orgs:v_activity", args=[activity.pk]))
    return render(
        request,
        "orgs/form.html",
        _ctx(request, form=form, title=_("发布志愿服务活动") + " · " + team.name),
        status=422 if form.errors else 200,
    )
