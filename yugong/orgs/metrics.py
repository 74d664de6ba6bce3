"""The facts orgs records (unions created, merged, closed), declared for the cockpit."""

from django.utils.translation import gettext_lazy as _

from yugong.core.metrics import Unit, metric

metric(
    "unions.created",
    _("新建工会组织"),
    unit=Unit.ITEMS,
    app="orgs",
    dims=_("按工会类型"),
    rows_url="orgs:tree",
)
metric(
    "unions.merged",
    _("合并工会组织"),
    unit=Unit.ITEMS,
    app="orgs",
    dims=_("按工会类型"),
    rows_url="orgs:tree",
)
metric(
    "unions.closed",
    _("撤销工会组织"),
    unit=Unit.ITEMS,
    app="orgs",
    dims=_("按工会类型"),
    rows_url="orgs:tree",
)
