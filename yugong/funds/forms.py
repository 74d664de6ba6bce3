"""Console forms of funds: they parse input; the services validate and decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from yugong.core.errors import ApplicationError, ValidationFailed

from . import bankfiles
from .models import Category, IncomeKind, PayoutBatch


class FundsForm(forms.Form):
    def take_errors(self, exc: ApplicationError) -> None:
        for field, messages in exc.fields.items():
            for message in messages:
                if field in self.fields:
                    if str(message) not in self.errors.get(field, []):  # valid_or_raise's own
                        self.add_error(field, str(message))
                else:  # e.g. "第3行 / 金额" of an imported file: the place goes with the message
                    self.add_error(None, _("%(where)s：%(message)s") % {"where": field, "message": message})
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


class BatchForm(FundsForm):
    union = forms.TypedChoiceField(label=_("付款工会"), coerce=int)
    kind = forms.ChoiceField(label=_("类型"), choices=PayoutBatch.Kind.choices)
    title = forms.CharField(label=_("批次名称"), max_length=100)
    bank_format = forms.ChoiceField(label=_("银行文件格式"))

    def __init__(self, *args: Any, unions: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["union"].choices = unions  # type: ignore[attr-defined]
        self.fields["bank_format"].choices = [  # type: ignore[attr-defined]
            (f.name, f.label) for f in bankfiles.formats().values()
        ]


class PayoutLineForm(FundsForm):
    """A line paying an approved request (a payable line): to whom, which account, how much."""

    commitment = forms.IntegerField(widget=forms.HiddenInput)
    payee_name = forms.CharField(label=_("收款户名"), max_length=100)
    account_no = forms.CharField(label=_("收款账号"), max_length=40)
    bank_name = forms.CharField(label=_("开户行"), max_length=100, required=False)
    amount_yuan = forms.DecimalField(label=_("金额（元）"), max_digits=14, decimal_places=2, min_value=0)
    purpose = forms.CharField(label=_("用途"), max_length=100, required=False)


class ResultsForm(FundsForm):
    file = forms.FileField(label=_("银行回执文件"))


class AccountForm(FundsForm):
    account_no = forms.CharField(label=_("收款账号"), max_length=40)
    bank_name = forms.CharField(label=_("开户行"), max_length=100, required=False)


class FollowUpForm(FundsForm):
    title = forms.CharField(label=_("补发批次名称"), max_length=100, required=False)


class ResolveForm(FundsForm):
    resolution = forms.CharField(
        label=_("处理说明"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


def fen(value: Any) -> int:
    """Yuan from a form (a Decimal with at most two places) to fen."""
    return int(value * 100)


class ReconcileStartForm(FundsForm):
    """Start a provider-bill reconciliation: the union whose books, the bill's day, and the bill —
    a WeChat Pay trade-bill file uploaded, or downloaded through the adapter."""

    SOURCES = (("upload", _("上传账单文件")), ("fetch", _("从微信支付下载")))

    union = forms.IntegerField(label=_("对账工会"), widget=forms.Select)
    day = forms.DateField(
        label=_("账单日期"),
        widget=forms.DateInput(attrs={"type": "date", "class": "input"}, format="%Y-%m-%d"),
    )
    source = forms.ChoiceField(
        label=_("账单来源"), choices=SOURCES, initial="upload", widget=forms.RadioSelect
    )
    file = forms.FileField(
        label=_("微信支付交易账单（CSV）"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def __init__(self, *args: Any, unions: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["union"].widget.choices = unions

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("source") == "upload" and not data.get("file") and "file" not in self.errors:
            self.add_error("file", _("请选择账单文件。"))
        return data
