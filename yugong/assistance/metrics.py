"""The facts 困难帮扶 records, declared for the cockpit."""

from django.utils.translation import gettext_lazy as _

from yugong.core.metrics import Unit, metric

metric("assistance.applied", _("困难帮扶申请"), unit=Unit.ITEMS, app="assistance", dims=_("按困难类别"))
metric("assistance.visited", _("入户走访"), unit=Unit.TIMES, app="assistance")
metric("assistance.rejected", _("帮扶申请未通过"), unit=Unit.ITEMS, app="assistance")
metric("assistance.objections", _("建档公示异议"), unit=Unit.ITEMS, app="assistance")
metric("assistance.activated", _("困难职工建档"), unit=Unit.ITEMS, app="assistance", dims=_("按困难类别"))
metric(
    "assistance.aid_people",
    _("帮扶慰问人次"),
    unit=Unit.PERSON_TIMES,
    app="assistance",
    dims=_("按帮扶活动类型"),
)
metric("assistance.aid_fen", _("帮扶慰问金额"), unit=Unit.YUAN, app="assistance", dims=_("按帮扶活动类型"))
metric(
    "assistance.reassessed", _("困难档案年度复核"), unit=Unit.ITEMS, app="assistance", dims=_("按困难类别")
)
metric("assistance.closed", _("困难档案结档"), unit=Unit.ITEMS, app="assistance", dims=_("按结档方式"))
metric("assistance.spot_checks", _("困难档案抽查"), unit=Unit.ITEMS, app="assistance")
metric(
    "assistance.spot_check_results",
    _("困难档案抽查结果"),
    unit=Unit.ITEMS,
    app="assistance",
    dims=_("按抽查结论"),
)
