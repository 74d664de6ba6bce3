"""Member pages: the worker H5 (join by scanning, my card, my union, transfer) and the staff console
(approvals inbox, member list and detail, card verification). Thin: parse, call a service or a
selector, render. Errors from services are shown next to the form (422) or as the error page."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yugong.accounts.models import request_user
from yugong.core.audit import audit_record
from yugong.core.errors import ApplicationError, NotFound, PermissionDenied, ValidationFailed
from yugong.core.timeutil import now
from yugong.orgs.access import MANAGE_ROLES, can_act, is_staff_member
from yugong.orgs.decorators import console_required, worker_required
from yugong.orgs.models import Employer, Union

from . import selectors, services
from .card import (
    card_token_from_scan,
    card_token_issue,
    card_token_read,
    card_token_seconds,
    card_verify_url,
    qr_svg,
)
from .forms import BackForm, JoinForm, ReasonForm, TransferForm
from .models import Education, EmploymentForm, Membership


def _h5(request: HttpRequest, template: str, ctx: dict[str, Any], status: int = 200) -> HttpResponse:
    return render(request, template, {"tab": "me", **ctx}, status=status)


def _console(request: HttpRequest, template: str, ctx: dict[str, Any], status: int = 200) -> HttpResponse:
    return render(request, template, {"section": "orgs", **ctx}, status=status)


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _active_union_by_code(code: str) -> Union:
    union = Union.objects.filter(
        code=code.replace("\x00", "").strip().upper(), status=Union.Status.ACTIVE
    ).first()
    if union is None:
        raise NotFound(_("未找到该工会，请确认二维码或工会编码是否正确。"))
    return union


# --- Worker H5 ------------------------------------------------------------------------------


@worker_required
def join(request: HttpRequest, code: str) -> HttpResponse:
    """Scan-to-join: the union comes from the QR code; the form is short enough for a phone."""
    union = _active_union_by_code(code)
    user = request_user(request)
    current = selectors.my_current_membership(user)
    pending = selectors.my_pending(user)
    employers = list(Employer.objects.filter(union=union).order_by("name")[:50])
    person = getattr(user, "person", None)
    form: dict[str, Any] = {
        "name": person.name if person else user.display_name,
        "id_number": "",
        "phone": user.phone,
        "employment_form": person.employment_form if person else EmploymentForm.REGULAR,
        "migrant_worker": person.migrant_worker if person else False,
        "employer_name": person.employer_name if person else "",
        "employer_id": "",
        "education": person.education if person else "",
    }
    errors: dict[str, list[str]] = {}
    error_message = ""
    status = 200
    accepting = union.kind in services.ACCEPTING_KINDS
    if request.method == "POST" and accepting and not (current or pending):
        posted = JoinForm(request.POST)
        posted.is_valid()
        form.update({k: v for k, v in posted.cleaned_data.items() if k in form})
        employer = next((e for e in employers if str(e.pk) == form["employer_id"]), None)
        try:
            if posted.errors:  # shown beside each field: the message alone
                raise ValidationFailed(fields=posted.errors)
            services.membership_apply(
                actor=user,
                person_data={
                    "name": form["name"],
                    "id_number": form["id_number"],
                    "phone": form["phone"],
                    "employment_form": form["employment_form"],
                    "migrant_worker": form["migrant_worker"],
                    "employer_name": form["employer_name"],
                    "education": form["education"],
                },
                union=union,
                employer=employer,
                channel=Membership.Channel.SCAN,
            )
        except ApplicationError as exc:
            errors = {k: [str(m) for m in v] for k, v in exc.fields.items()}
            error_message = str(exc.message)
            status = exc.status
        else:
            messages.success(request, _("入会申请已提交，请留意短信通知。"))
            return HttpResponseRedirect(reverse("members:my_union"))
    return _h5(
        request,
        "members/h5_join.html",
        {
            "union": union,
            "accepting": accepting,
            "current": current,
            "pending": pending,
            "form": form,
            "errors": errors,
            "error_message": error_message,
            "employers": employers,
            "forms": EmploymentForm.choices,
            "educations": Education.choices,
        },
        status=status,
    )


@worker_required
def card(request: HttpRequest) -> HttpResponse:
    membership = selectors.my_current_membership(request.user)
    ctx: dict[str, Any] = {"membership": membership, "seconds": card_token_seconds()}
    if membership is not None and membership.status == Membership.Status.ACTIVE:
        token, expires = card_token_issue(membership)
        url = card_verify_url(token, request)
        ctx.update(qr=qr_svg(url), expires=expires, verify_url=url)
    response = _h5(request, "members/h5_card.html", ctx)
    response["Cache-Control"] = "no-store"
    return response


@worker_required
def my_union(request: HttpRequest) -> HttpResponse:
    rows = selectors.my_memberships(request.user)
    current = next((m for m in rows if m.status in Membership.CURRENT), None)
    pending = next((m for m in rows if m.status == Membership.Status.PENDING), None)
    return _h5(
        request,
        "members/h5_my_union.html",
        {"rows": rows, "current": current, "pending": pending, "now": now()},
    )


@worker_required
@require_POST
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    services.membership_withdraw(actor=request_user(request), membership=pk)
    messages.success(request, _("申请已撤回。"))
    return HttpResponseRedirect(reverse("members:my_union"))


@worker_required
def transfer(request: HttpRequest) -> HttpResponse:
    current = selectors.my_current_membership(request.user)
    pending = selectors.my_pending(request.user)
    posted = TransferForm(request.POST or None)
    form = {"code": "", "reason": ""}
    if posted.is_valid():
        form.update(posted.cleaned_data)
    errors: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        try:
            if current is None:
                raise ValidationFailed(message=_("您还不是会员，无需转会。"))
            if not form["code"]:
                raise ValidationFailed(fields={"code": _("请填写转入工会的编码（见该工会入会二维码下方）。")})
            try:
                target = _active_union_by_code(form["code"])
            except NotFound:
                raise ValidationFailed(fields={"code": _("未找到该工会编码。")}) from None
            services.membership_transfer_request(
                actor=request_user(request), membership=current, target=target, reason=form["reason"]
            )
        except ApplicationError as exc:
            errors = {k: [str(m) for m in v] for k, v in exc.fields.items()}
            if not errors:
                errors = {"general": [str(exc.message)]}
            status = exc.status
        else:
            messages.success(request, _("转会申请已提交，请等待转入工会审核。"))
            return HttpResponseRedirect(reverse("members:my_union"))
    return _h5(
        request,
        "members/h5_transfer.html",
        {"current": current, "pending": pending, "form": form, "errors": errors},
        status=status,
    )


# --- Staff console --------------------------------------------------------------------------


@console_required
def approvals(request: HttpRequest) -> HttpResponse:
    overdue_only = request.GET.get("overdue") == "1"
    page = selectors.approvals_inbox(
        request.user, overdue_only=overdue_only, after=_int(request.GET.get("after"))
    )
    below = selectors.overdue_for(request.user, limit=20)
    return _console(
        request,
        "members/console_approvals.html",
        {"page": page, "below": below, "now": now(), "overdue_only": overdue_only},
    )


def _back(request: HttpRequest, fallback: str) -> HttpResponseRedirect:
    back = BackForm(request.POST)
    target = back.cleaned_data["next"] if back.is_valid() else ""
    return HttpResponseRedirect(target or fallback)


@console_required
@require_POST
def approve(request: HttpRequest, pk: int) -> HttpResponse:
    membership = selectors.membership_get(request.user, pk)
    m = services.membership_approve(actor=request_user(request), membership=membership)
    messages.success(
        request,
        _("已通过 %(name)s 的申请，会员编号 %(no)s。") % {"name": m.person.masked_name, "no": m.member_no},
    )
    return _back(request, reverse("members:approvals"))


@console_required
@require_POST
def reject(request: HttpRequest, pk: int) -> HttpResponse:
    membership = selectors.membership_get(request.user, pk)
    try:
        reason = ReasonForm(request.POST).valid_or_raise()["reason"]
        services.membership_reject(actor=request_user(request), membership=membership, reason=reason)
    except ValidationFailed as exc:
        messages.error(request, "；".join(str(m) for v in exc.fields.values() for m in v) or str(exc.message))
    else:
        messages.success(request, _("已驳回该申请。"))
    return _back(request, reverse("members:approvals"))


@console_required
def member_list(request: HttpRequest) -> HttpResponse:
    migrant_raw = request.GET.get("migrant", "")
    filters: dict[str, Any] = {
        "q": request.GET.get("q", "").strip(),
        "employer": request.GET.get("employer", "").strip(),
        "status": request.GET.get("status", ""),
        "employment_form": request.GET.get("employment_form", ""),
        "migrant": {"1": True, "0": False}.get(migrant_raw),
        "union_id": _int(request.GET.get("union")),
    }
    page = selectors.member_search(request.user, **filters, after=_int(request.GET.get("after")))
    query = {k: v for k, v in request.GET.items() if k != "after"}
    next_url = f"?{urlencode({**query, 'after': page.next_after})}" if page.next_after else ""
    return _console(
        request,
        "members/console_list.html",
        {
            "page": page,
            "filters": {**filters, "migrant": migrant_raw, "union": request.GET.get("union", "")},
            "next_url": next_url,
            "first_url": f"?{urlencode(query)}" if request.GET.get("after") else "",
            "statuses": Membership.Status.choices,
            "forms": EmploymentForm.choices,
        },
    )


def _detail(request: HttpRequest, membership: Membership, *, revealed: bool = False) -> HttpResponse:
    return _console(
        request,
        "members/console_detail.html",
        {
            "m": membership,
            "p": membership.person,
            "history": selectors.person_history(membership.person_id),
            "revealed": revealed,
            "can_manage": can_act(request.user, membership.union, MANAGE_ROLES),
        },
    )


@console_required
def member_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, selectors.membership_get(request.user, pk))


@console_required
@require_POST
def member_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    """Shown in the POST response (never in a URL or the browser history); every reveal is audited."""
    membership = selectors.membership_get(request.user, pk)
    services.person_reveal(actor=request_user(request), membership=membership)
    response = _detail(request, membership, revealed=True)
    response["Cache-Control"] = "no-store"
    return response


@console_required
@require_POST
def member_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    membership = selectors.membership_get(request.user, pk)
    try:
        reason = ReasonForm(request.POST).valid_or_raise()["reason"]
        if action == "suspend":
            services.membership_suspend(actor=request_user(request), membership=membership, reason=reason)
        elif action == "resume":
            services.membership_resume(actor=request_user(request), membership=membership)
        elif action == "leave":
            services.membership_leave(actor=request_user(request), membership=membership, reason=reason)
        elif action == "transfer_approve":
            services.membership_transfer_approve(actor=request_user(request), membership=membership)
        else:
            raise NotFound()
    except ValidationFailed as exc:
        messages.error(request, "；".join(str(m) for v in exc.fields.values() for m in v) or str(exc.message))
    else:
        messages.success(request, _("操作已完成。"))
    return HttpResponseRedirect(reverse("members:detail", kwargs={"pk": pk}))


@console_required
def verify_scan(request: HttpRequest) -> HttpResponse:
    """The member-card check: the camera (or the text field) reads the card's QR — the verify URL
    or the bare token — and the check itself is the ``verify`` page below."""
    if not (is_staff_member(request.user) or request.user.is_superuser):
        raise PermissionDenied(_("只有工会工作人员可以核验会员卡。"))
    code = (request.GET.get("token") or "").strip()
    if code:
        token = card_token_from_scan(code)
        if token:
            return HttpResponseRedirect(reverse("members:verify", kwargs={"token": token}))
        messages.error(request, _("无法识别的会员卡二维码。"))
    return _console(request, "members/console_verify_scan.html", {})


@console_required
def verify(request: HttpRequest, token: str) -> HttpResponse:
    """Scanning a member card. Staff of the member's union (or above) see the masked name, union,
    member number, status and "member since"; other staff see only the masked name and whether
    they are a valid member of which union — enough to grant a member's discount, nothing more."""
    if not (is_staff_member(request.user) or request.user.is_superuser):
        raise PermissionDenied(_("只有工会工作人员可以核验会员卡。"))
    try:
        membership = card_token_read(token)
    except ApplicationError as exc:
        return _console(request, "members/console_verify.html", {"error": exc}, status=exc.status)
    full = can_act(request.user, membership.union)
    audit_record(
        actor=request_user(request),
        action="membership.card_verify",
        obj=membership,
        union_id=membership.union_id,
        extra={"full": full},
    )
    return _console(
        request,
        "members/console_verify.html",
        {"m": membership, "full": full, "valid": membership.status == Membership.Status.ACTIVE},
    )
