"""The activity's funding page (``/activities/console/<id>/budget/``): the organiser names a budget
line of the organising union and the cost; a leader approves it (the money is reserved); finance
settles after the activity (spent for the members who came, the rest released); the organiser may
withdraw it. Thin: the forms parse, ``events.funding`` (over ``funds``) decides."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from yugong.accounts.models import request_user
from yugong.core.errors import ApplicationError, NotFound, PermissionDenied, reraise_refusal
from yugong.core.forms import PageForm
from yugong.core.money import parse_yuan
from yugong.funds.models import Commitment
from yugong.funds.selectors import spendable_lines
from yugong.funds.services.common import APPROVE_ROLES, FINANCE_ROLES
from yugong.orgs import access
from yugong.orgs.decorators import console_required

from . import funding, selectors, services
from .funding_models import ActivityFunding


class BudgetAskForm(PageForm):
    budget_line = forms.TypedChoiceField(label=gettext_lazy("预算项目"), coerce=int)
    basis = forms.ChoiceField(label=gettext_lazy("计费方式"), choices=ActivityFunding.Basis.choices)
    cost = forms.CharField(label=gettext_lazy("费用（元）"), max_length=20)

    def __init__(self, *args: object, lines: list[tuple[int, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["budget_line"].choices = [("", _("请选择")), *lines]  # type: ignore[attr-defined]


class WithdrawForm(PageForm):
    reason = forms.CharField(label=gettext_lazy("撤回理由"), max_length=200)


@console_required
def console_budget(request: HttpRequest, activity_id: int) -> HttpResponse:
    user = request_user(request)
    activity = selectors.staff_activity(user, activity_id)
    found, commitment = funding.funding_of(activity)
    organiser = access.can_act(user, activity.union, services.ORGANISER_ROLES)
    lines = [
        (line.pk, f"{line.name}（{_('可用')} {line.available_fen / 100:,.2f}）")
        for line in spendable_lines(user)
        if line.union_id == activity.union_id
    ]
    form = BudgetAskForm(
        request.POST or None, lines=lines, initial={"basis": ActivityFunding.Basis.PER_PLACE}
    )
    if request.method == "POST":
        if not organiser:  # a write by a role that only looks at the activity: refused before the form
            raise PermissionDenied()
        try:
            data = form.valid_or_raise()
            funding.activity_budget_ask(
                actor=user,
                activity_id=activity.pk,
                line_id=data["budget_line"],
                basis=data["basis"],
                cost_fen=parse_yuan(data["cost"], field="cost"),
            )
        except ApplicationError as exc:
            reraise_refusal(exc)
            for message in form.messages_of(exc):
                messages.error(request, message)
        else:
            messages.success(request, _("已提交活动经费申请，待工会负责人批准。"))
            return redirect("events:console_budget", activity.pk)
    status = commitment.status if commitment else ""
    ctx = {
        "section": "services",
        "activity": activity,
        "funding": found,
        "commitment": commitment,
        "form": form if organiser and found is None and activity.status == activity.Status.OPEN else None,
        "may_approve": status in (Commitment.Status.PENDING, Commitment.Status.FIRST_APPROVED)
        and access.can_act(user, activity.union, APPROVE_ROLES),
        "may_settle": status == Commitment.Status.RESERVED
        and found is not None
        and found.settled_at is None
        and access.can_act(user, activity.union, FINANCE_ROLES),
        "may_withdraw": organiser
        and found is not None
        and found.settled_at is None
        and status
        in (Commitment.Status.PENDING, Commitment.Status.FIRST_APPROVED, Commitment.Status.RESERVED),
        "places_used": funding.places_used(activity) if found else 0,
        "withdraw_form": WithdrawForm(),
        "has_lines": bool(lines),
    }
    return render(request, "events/console_budget.html", ctx)


@console_required
@require_POST
def console_budget_action(request: HttpRequest, activity_id: int, action: str) -> HttpResponse:
    user = request_user(request)
    activity = selectors.staff_activity(user, activity_id)
    try:
        if action == "approve":
            done = funding.activity_budget_approve(actor=user, activity_id=activity.pk)
            if done.status == Commitment.Status.FIRST_APPROVED:
                messages.success(request, _("已记录您的审批，需另一位负责人复核后占用预算。"))
            else:
                messages.success(request, _("已批准，预算已占用。"))
        elif action == "settle":
            settled = funding.activity_budget_settle(actor=user, activity_id=activity.pk)
            messages.success(
                request,
                _("已结算：支出 %(yuan).2f 元，其余退回预算项目。")
                % {"yuan": (settled.settled_fen or 0) / 100},
            )
        elif action == "withdraw":
            form = WithdrawForm(request.POST)
            data = form.valid_or_raise()
            funding.activity_budget_withdraw(actor=user, activity_id=activity.pk, reason=data["reason"])
            messages.success(request, _("已撤回活动经费，占用的预算已退回。"))
        else:
            raise NotFound()
    except ApplicationError as exc:
        reraise_refusal(exc)
        messages.error(
            request, "；".join([str(exc.message)] + [str(m) for ms in exc.fields.values() for m in ms])
        )
    return redirect("events:console_budget", activity.pk)
