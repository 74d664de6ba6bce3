"""Console forms of funds: they parse input; the services validate and decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from yugong.core.errors import ApplicationError, ValidationFailed

from .models import Category, IncomeKind


class FundsForm(forms.Form):
    def take_errors(self, exc: ApplicationError) -> None:
        for field, messages in exc.fields.items():
            for message in messages:
                self.add_error(field if field in self.fields else None, str(message))
        if not exc.fields:
            self.add_error(None, str(exc.message))

    def valid_or_raise(self) -> dict[str, Any]:
        if not self.is_valid():
            raise ValidationFailed(fields={k: [str(m) for m in v] for k, v in self.errors.items()})
        return dict(self.cleaned_data)


class BudgetForm(FundsForm):
    union = forms.TypedChoiceField(label=_("工会"), coerce=int)
    year = forms.IntegerField(label=_("年度"))
    note = forms.CharField(label=_("说明"), max_length=500, required=False)

    def __init__(self, *args: Any, unions: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["union"].choices = unions  # type: ignore[attr-defined]


class LineForm(FundsForm):
    category = forms.ChoiceField(label=_("支出类别"), choices=Category.choices)
    name = forms.CharField(label=_("预算项目"), max_length=100)
    amount_yuan = forms.DecimalField(label=_("预算金额（元）"), max_digits=14, decimal_places=2, min_value=0)


class IncomeLineForm(FundsForm):
    kind = forms.ChoiceField(label=_("收入类别"), choices=IncomeKind.choices)
    name = forms.CharField(label=_("收入项目"), max_length=100)
    planned_yuan = forms.DecimalField(label=_("预算收入（元）"), max_digits=14, decimal_places=2, min_value=0)


class AmountForm(FundsForm):
    amount_yuan = forms.DecimalField(label=_("金额（元）"), max_digits=14, decimal_places=2, min_value=0)
    memo = forms.CharField(label=_("摘要"), max_length=200, required=False)


class ReasonForm(FundsForm):
    reason = forms.CharField(label=_("理由"), max_length=500)


class CommitmentForm(FundsForm):
    amount_yuan = forms.DecimalField(label=_("申请金额（元）"), max_digits=14, decimal_places=2, min_value=0)
    purpose = forms.CharField(label=_("用途"), max_length=200)


class ReportForm(FundsForm):
    union = forms.TypedChoiceField(label=_("工会"), coerce=int)
    year = forms.IntegerField(label=_("年度"))
    start = forms.DateField(label=_("起始日"), required=False)
    end = forms.DateField(label=_("截止日"), required=False)

    def __init__(self, *args: Any, unions: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["union"].choices = unions  # type: ignore[attr-defined]


def fen(value: Any) -> int:
    """Yuan from a form (a Decimal with at most two places) to fen."""
    return int(value * 100)
