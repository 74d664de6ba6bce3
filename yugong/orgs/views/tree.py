"""Console pages of the union tree: browse, detail, create, edit, move, merge, close, reopen, join QR."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from yugong.accounts.models import request_user
from yugong.core.errors import ValidationFailed

from .. import selectors, services
from ..access import LEADER_ROLES, MANAGE_ROLES, access_union, can_act, require_role
from ..decorators import console_required
from ..extensions import union_panels
from ..forms import CloseForm, MergeForm, MoveForm, UnionForm, apply_errors
from ..qr import join_poster_pdf, join_qr_png, join_qr_svg, join_url
from ..services.tree import UNION_FIELDS
from .common import _ctx, _form_page, _union_field


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
            home_titles=selectors.union_home_titles(union),
            panels=union_panels(request, union),
            can_manage=can_act(user, union, MANAGE_ROLES),
            can_lead=can_act(user, union, LEADER_ROLES),
            join_url=join_url(union, request),
            merged_into=union.merged_into if union.merged_into_id else None,
        ),
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
    initial = {f: getattr(union, f) for f in UNION_FIELDS}
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
