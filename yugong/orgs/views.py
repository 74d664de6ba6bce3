"""Staff console pages for the union tree, employers, roles, 职工之家 ratings and volunteer teams.

Thin edges: every object is fetched through ``orgs.access`` (outside the subtree answers 404 like a
missing object), every write goes through ``orgs.services``; a service's ``ValidationFailed`` is
shown on the form, in Chinese, next to the field."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from yugong.accounts.models import User, request_user
from yugong.core.errors import ApplicationError, NotFound, PermissionDenied, ValidationFailed
from yugong.core.pii import mask_phone

from . import selectors, services
from .access import (
    CHAIR_ROLES,
    LEADER_ROLES,
    MANAGE_ROLES,
    access_object,
    access_union,
    can_act,
    require_role,
    scope_paths,
)
from .acting import acting_union
from .decorators import console_required
from .extensions import union_panels
from .forms import (
    CloseForm,
    EmployerForm,
    HomeRatingForm,
    MergeForm,
    MoveForm,
    RoleGrantForm,
    ServiceRecordForm,
    UnionForm,
    VolunteerForm,
    VolunteerTeamForm,
    apply_errors,
)
from .models import Employer, HomeRating, Industry, RoleAssignment, Union, Volunteer, VolunteerTeam
from .qr import join_poster_pdf, join_qr_png, join_qr_svg, join_url


def _ctx(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    return {"section": "orgs", "acting": acting_union(request), **extra}


def _union_field(form: Any, field: str, user: Any, roles: frozenset[str] | None = None) -> Union | None:
    """Resolve a typed union id through the access layer; unknown and out-of-scope look alike."""
    value = form.cleaned_data.get(field)
    if value in (None, ""):
        return None
    try:
        union = access_union(user, value)
        if roles is not None:
            require_role(user, union, roles)
    except NotFound:
        raise ValidationFailed(fields={field: _("未找到该工会，或不在您的管辖范围内。")}) from None
    except PermissionDenied:
        raise ValidationFailed(fields={field: _("您在该工会没有执行此操作的岗位角色。")}) from None
    return union


def _bool_param(value: str | None) -> bool | None:
    return {"1": True, "0": False}.get(value or "")


# --- Tree -----------------------------------------------------------------------------------


@console_required
@require_GET
def tree(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    results = selectors.union_search(request.user, q) if q else None
    return render(
        request,
        "orgs/tree.html",
        _ctx(request, roots=selectors.union_roots(request.user), q=q, results=results),
    )


@console_required
@require_GET
def tree_children(request: HttpRequest, pk: int) -> HttpResponse:
    union = access_union(request.user, pk)
    return render(request, "orgs/_tree_nodes.html", {"nodes": selectors.union_children(union)})


@console_required
@require_GET
def union_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    union = access_union(user, pk)
    return render(
        request,
        "orgs/union_detail.html",
        _ctx(
            request,
            union=union,
            ancestors=selectors.union_ancestors(union),
            counts=selectors.union_counts(union),
            history=selectors.union_history(union, limit=30),
            panels=union_panels(request, union),
            can_manage=can_act(user, union, MANAGE_ROLES),
            can_lead=can_act(user, union, LEADER_ROLES),
            join_url=join_url(union, request),
            merged_into=union.merged_into if union.merged_into_id else None,
        ),
    )


def _form_page(
    request: HttpRequest, template: str, union: Union, form: Any, title: str, **extra: Any
) -> HttpResponse:
    status = 422 if request.method == "POST" else 200
    return render(
        request, template, _ctx(request, union=union, form=form, title=title, **extra), status=status
    )


@console_required
@require_http_methods(["GET", "POST"])
def union_create(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    parent = access_union(user, pk)
    require_role(user, parent, MANAGE_ROLES)
    form = UnionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            data = dict(form.cleaned_data)
            child = services.union_create(
                actor=user,
                parent=parent,
                name=data.pop("name"),
                code=data.pop("code"),
                kind=data.pop("kind"),
                **data,
            )
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("已建立下级工会：%(name)s") % {"name": child.name})
            return HttpResponseRedirect(reverse("orgs:union_detail", args=[child.pk]))
    return _form_page(request, "orgs/form.html", parent, form, _("建立下级工会"))


@console_required
@require_http_methods(["GET", "POST"])
def union_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    union = access_union(user, pk)
    require_role(user, union, MANAGE_ROLES)
    root = union.parent_id is None
    initial = {f: getattr(union, f) for f in services.UNION_FIELDS}
    form = UnionForm(request.POST or None, initial=initial, root=root)
    if request.method == "POST" and form.is_valid():
        try:
            services.union_update(actor=user, union=union, **form.cleaned_data)
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("已保存。"))
            return HttpResponseRedirect(reverse("orgs:union_detail", args=[union.pk]))
    return _form_page(request, "orgs/form.html", union, form, _("编辑工会信息"))


@console_required
@require_http_methods(["GET", "POST"])
def union_move(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    union = access_union(user, pk)
    require_role(user, union, MANAGE_ROLES)
    form = MoveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            new_parent = _union_field(form, "new_parent", user, MANAGE_ROLES)
            assert new_parent is not None
            services.union_move(actor=user, union=union, new_parent=new_parent)
        except ValidationFailed as exc:
            apply_errors(form, exc, {"parent": "new_parent"})
        else:
            messages.success(request, _("已调整隶属关系。"))
            return HttpResponseRedirect(reverse("orgs:union_detail", args=[union.pk]))
    return _form_page(request, "orgs/form.html", union, form, _("调整隶属关系"))


@console_required
@require_http_methods(["GET", "POST"])
def union_merge(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    union = access_union(user, pk)
    require_role(user, union, LEADER_ROLES)
    form = MergeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            into = _union_field(form, "into", user, LEADER_ROLES)
            assert into is not None
            services.union_merge(actor=user, union=union, into=into)
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("已合并到 %(name)s。") % {"name": into.name})
            return HttpResponseRedirect(reverse("orgs:union_detail", args=[into.pk]))
    return _form_page(request, "orgs/form.html", union, form, _("合并工会"), danger=True)


@console_required
@require_http_methods(["GET", "POST"])
def union_close(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    union = access_union(user, pk)
    require_role(user, union, LEADER_ROLES)
    form = CloseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.union_close(
                actor=user,
                union=union,
                reason=form.cleaned_data["reason"],
                closed_on=form.cleaned_data["closed_on"],
            )
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("已撤销该工会。"))
            return HttpResponseRedirect(reverse("orgs:union_detail", args=[union.pk]))
    return _form_page(request, "orgs/form.html", union, form, _("撤销工会"), danger=True)


@console_required
@require_POST
def union_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    union = access_union(user, pk)
    require_role(user, union, LEADER_ROLES)
    try:
        services.union_reopen(actor=user, union=union)
    except ValidationFailed as exc:
        messages.error(
            request, "；".join(str(m) for ms in exc.fields.values() for m in ms) or str(exc.message)
        )
    else:
        messages.success(request, _("已恢复该工会。"))
    return HttpResponseRedirect(reverse("orgs:union_detail", args=[union.pk]))


# --- Join QR codes --------------------------------------------------------------------------


@console_required
@require_GET
def join_qr(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    union = access_union(request.user, pk)
    if fmt == "svg":
        return HttpResponse(join_qr_svg(union, request), content_type="image/svg+xml")
    response = HttpResponse(join_qr_png(union, request), content_type="image/png")
    response["Content-Disposition"] = f'inline; filename="join-{union.code}.png"'
    return response


@console_required
@require_GET
def join_poster(request: HttpRequest, pk: int) -> HttpResponse:
    union = access_union(request.user, pk)
    response = HttpResponse(join_poster_pdf(union, request), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="join-poster-{union.code}.pdf"'
    return response


# --- Employers ------------------------------------------------------------------------------


@console_required
@require_GET
def employers(request: HttpRequest) -> HttpResponse:
    filters: dict[str, Any] = {
        "q": request.GET.get("q", "").strip(),
        "industry": request.GET.get("industry", "")
        if request.GET.get("industry", "") in Industry.values
        else "",
        "unionised": _bool_param(request.GET.get("unionised")),
    }
    page = Paginator(selectors.employer_search(request.user, **filters), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "orgs/employers.html",
        _ctx(request, page=page, filters=filters, industries=Industry.choices),
    )


def _employer(request: HttpRequest, pk: int) -> Employer:
    return access_object(
        Employer.objects.select_related("union", "managing_union"),
        request.user,
        pk,
        path_field=selectors.EMPLOYER_PATHS,
    )


@console_required
@require_GET
def employer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    employer = _employer(request, pk)
    anchor = employer.union or employer.managing_union
    return render(
        request,
        "orgs/employer_detail.html",
        _ctx(
            request,
            employer=employer,
            can_manage=anchor is not None and can_act(request.user, anchor, MANAGE_ROLES),
        ),
    )


@console_required
@require_http_methods(["GET", "POST"])
def employer_create(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    if not scope_paths(user, MANAGE_ROLES):
        raise PermissionDenied()
    form = EmployerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            data = dict(form.cleaned_data)
            data["managing_union"] = _union_field(form, "managing_union", user, MANAGE_ROLES)
            data["union"] = _union_field(form, "union", user, MANAGE_ROLES)
            employer = services.employer_create(actor=user, **data)
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("已登记用人单位。"))
            return HttpResponseRedirect(reverse("orgs:employer_detail", args=[employer.pk]))
    return render(
        request,
        "orgs/form.html",
        _ctx(request, form=form, title=_("登记用人单位")),
        status=422 if form.errors else 200,
    )


@console_required
@require_http_methods(["GET", "POST"])
def employer_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    employer = _employer(request, pk)
    anchor = employer.union or employer.managing_union
    if anchor is None:
        raise PermissionDenied()
    require_role(user, anchor, MANAGE_ROLES)
    initial = {
        "name": employer.name,
        "uscc": employer.uscc,
        "industry": employer.industry,
        "district": employer.district,
        "address": employer.address,
        "headcount": employer.headcount,
        "managing_union": employer.managing_union_id,
        "union": employer.union_id,
    }
    form = EmployerForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            data = dict(form.cleaned_data)
            data["managing_union"] = _union_field(form, "managing_union", user, MANAGE_ROLES)
            data["union"] = _union_field(form, "union", user, MANAGE_ROLES)
            services.employer_update(actor=user, employer=employer, **data)
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("已保存。"))
            return HttpResponseRedirect(reverse("orgs:employer_detail", args=[employer.pk]))
    return render(
        request,
        "orgs/form.html",
        _ctx(request, form=form, title=_("编辑用人单位")),
        status=422 if form.errors else 200,
    )


# --- Roles ----------------------------------------------------------------------------------


def _require_role_manager(user: Any) -> None:
    if not scope_paths(user, CHAIR_ROLES | LEADER_ROLES):
        raise PermissionDenied()


@console_required
@require_http_methods(["GET", "POST"])
def roles(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    _require_role_manager(user)
    form = RoleGrantForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            union = _union_field(form, "union", user, CHAIR_ROLES)
            assert union is not None
            target = User.objects.filter(username=form.cleaned_data["username"].strip()).first()
            if target is None:
                raise ValidationFailed(fields={"username": _("没有这个用户。")})
            services.role_grant(actor=user, user=target, union=union, role=form.cleaned_data["role"])
        except ApplicationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("已授予岗位角色。"))
            return HttpResponseRedirect(reverse("orgs:roles"))
    page = Paginator(selectors.roles_visible(user), 100).get_page(request.GET.get("page"))
    return render(
        request, "orgs/roles.html", _ctx(request, page=page, form=form), status=422 if form.errors else 200
    )


@console_required
@require_POST
def role_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    assignment = access_object(RoleAssignment.objects.select_related("union", "user"), user, pk)
    try:
        services.role_revoke(actor=user, assignment=assignment, reason=request.POST.get("reason", ""))
    except ValidationFailed as exc:
        messages.error(
            request, "；".join(str(m) for ms in exc.fields.values() for m in ms) or str(exc.message)
        )
    else:
        messages.success(request, _("已撤销岗位角色。"))
    return HttpResponseRedirect(reverse("orgs:roles"))


# --- 职工之家 ratings ---------------------------------------------------------------------------


@console_required
@require_GET
def home_ratings(request: HttpRequest) -> HttpResponse:
    try:
        year = int(request.GET.get("year", "") or 0) or None
    except ValueError:
        year = None
    level = request.GET.get("level", "")
    level = level if level in HomeRating.Level.values else ""
    kind = request.GET.get("kind", "")
    kind = kind if kind in HomeRating.Kind.values else ""
    qs = selectors.home_ratings(request.user, year=year, level=level, kind=kind)
    page = Paginator(qs, 100).get_page(request.GET.get("page"))
    return render(
        request,
        "orgs/home_ratings.html",
        _ctx(
            request,
            page=page,
            filters={"year": year, "level": level, "kind": kind},
            levels=HomeRating.Level.choices,
            kinds=HomeRating.Kind.choices,
            can_manage=bool(scope_paths(request.user, MANAGE_ROLES)),
        ),
    )


@console_required
@require_http_methods(["GET", "POST"])
def home_rating_create(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    if not scope_paths(user, MANAGE_ROLES):
        raise PermissionDenied()
    form = HomeRatingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            data = dict(form.cleaned_data)
            data["union"] = _union_field(form, "union", user, MANAGE_ROLES)
            services.home_rating_create(actor=user, **data)
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("已登记职工之家评定。"))
            return HttpResponseRedirect(reverse("orgs:home_ratings"))
    return render(
        request,
        "orgs/form.html",
        _ctx(request, form=form, title=_("登记职工之家评定")),
        status=422 if form.errors else 200,
    )


# --- Volunteers -----------------------------------------------------------------------------


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
    team = access_object(VolunteerTeam.objects.select_related("union", "parent"), user, pk)
    can_manage = can_act(user, team.union, MANAGE_ROLES)
    volunteer_form = VolunteerForm(request.POST if request.POST.get("form") == "volunteer" else None)
    record_form = ServiceRecordForm(request.POST if request.POST.get("form") == "record" else None)
    if request.method == "POST":
        require_role(user, team.union, MANAGE_ROLES)
        try:
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
            apply_errors(volunteer_form if volunteer_form.is_bound else record_form, exc)
    volunteers: list[dict[str, Any]] = [
        {
            "pk": v.pk,
            "name": v.name,
            "phone": mask_phone(v.phone),
            "skills": v.skills,
            "active": v.active,
            "minutes": getattr(v, "total_minutes", 0),
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
            volunteer_form=volunteer_form,
            record_form=record_form,
        ),
        status=422 if (volunteer_form.errors or record_form.errors) else 200,
    )
