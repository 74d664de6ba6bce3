"""The facts funds records (budgets, income, commitments, payouts, in fen), declared for the cockpit."""

from django.utils.translation import gettext_lazy as _

from yugong.core.metrics import Unit, metric

metric("funds.budget_fen", _("批准预算"), unit=Unit.YUAN, app="funds")
metric("funds.income_fen", _("经费收入"), unit=Unit.YUAN, app="funds", dims=_("按收入类型"))
metric("funds.reserved_fen", _("经费占用"), unit=Unit.YUAN, app="funds", dims=_("按支出科目"))
metric(
    "funds.spent_fen",
    _("经费支出"),
    unit=Unit.YUAN,
    app="funds",
    dims=_("按支出科目"),
    description=_("冲销记为负数"),
)
metric("funds.payout_fen", _("银行代发金额"), unit=Unit.YUAN, app="funds", dims=_("按代发类型"))
