"""The round's bonuses page (``/honors/console/rounds/<id>/bonuses/``): after the award the
organiser's staff grant a bonus (奖金) to the laureates from a line of the organising union's budget;
each bonus is a spending request of funds — approved by a leader on 支出申请, paid out by finance in
a bank batch of kind 奖金 — and its state is shown here. Thin: ``honors.bonus`` decides."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yugong.accounts.models import request_user
from yugong.core.errors import ApplicationError, PermissionDenied, reraise_refusal
from yugong.core.forms import PageForm
from yugong.core.money import parse_yuan
from yugong.funds.selectors import spendable_lines
from yugong.orgs.access import MANAGE_ROLES, can_act
from yugong.orgs.decorators import console_required

from . import bonus, selectors
from .models import Honour, Round


class BonusForm(PageForm):
    budget_line = forms.TypedChoiceField(label=gettext_lazy("预算项目"), coerce=int)
    amount = forms.CharField(label=gettext_lazy("每人奖金（元）"), max_length=20)

    def __init__(self, *args: object, lines: list[tuple[int, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["budget_line"].choices = [("", _("请选择")), *lines]  # type: ignore[attr-defined]


@console_required
def console_round_bonuses(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    r = selectors.managed_round(user, pk)
    manage = can_act(user, r.union, MANAGE_ROLES)
    lines = [
        (line.pk, f"{line.name}（{_('可用')} {line.available_fen / 100:,.2f}）")
        for line in spendable_lines(user)
        if line.union_id == r.union_id
    ]
    form = BonusForm(request.POST or None, lines=lines)
    if request.method == "POST":
        if not manage:  # a write by a role that only reads the round: refused before the form
            raise PermissionDenied()
        try:
            data = form.valid_or_raise()
            made = bonus.round_bonus_grant(
                actor=user,
                round_id=r.pk,
                line_id=data["budget_line"],
                amount_fen=parse_yuan(data["amount"], field="amount"),
            )
        except ApplicationError as exc:
            reraise_refusal(exc)
            for message in form.messages_of(exc):
                messages.error(request, message)
        else:
            messages.success(
                request, _("已为 %(n)s 位获奖者申请奖金，待工会负责人批准后由财务代发。") % {"n": len(made)}
            )
            return HttpResponseRedirect(reverse("honors:console_round_bonuses", args=[r.pk]))
    bonuses = bonus.round_bonuses(r)
    for b in bonuses:
        b.state = bonus.bonus_state(b.commitment)  # type: ignore[attr-defined]
    waiting = Honour.objects.filter(nomination__round=r, bonus__isnull=True).count()
    ctx = {
        "section": "growth",
        "r": r,
        "bonuses": bonuses,
        "waiting": waiting,
        "form": form if manage and r.status == Round.Status.AWARDED and waiting else None,
        "has_lines": bool(lines),
    }
    return render(request, "honors/console_bonuses.html", ctx)
