"""Console page of role grants and revocations."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from yugong.accounts.models import User, request_user
from yugong.core.errors import ApplicationError, PermissionDenied, ValidationFailed

from .. import selectors, services
from ..access import CHAIR_ROLES, LEADER_ROLES, access_object, scope_paths
from ..decorators import console_required
from ..forms import RoleGrantForm, RoleRevokeForm, apply_errors
from ..models import RoleAssignment
from .common import _ctx, _union_field


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
        form = RoleRevokeForm(request.POST)
        form.is_valid()  # one optional text box: always parses
        services.role_revoke(actor=user, assignment=assignment, reason=form.cleaned_data["reason"])
    except ValidationFailed as exc:
        messages.error(
            request, "；".join(str(m) for ms in exc.fields.values() for m in ms) or str(exc.message)
        )
    else:
        messages.success(request, _("已撤销岗位角色。"))
    return HttpResponseRedirect(reverse("orgs:roles"))
