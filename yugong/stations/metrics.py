"""The facts stations records, declared for the cockpit."""

from typing import Any

from django.utils.translation import gettext_lazy as _

from yugong.core.metrics import Aggregation, Unit, metric

_ROWS: dict[str, Any] = {"rows_url": "stations:console_list"}

metric(
    "stations.created",
    _("建成服务站点"),
    unit=Unit.ITEMS,
    app="stations",
    dims=_("按站点类型、区县"),
    total_dims="kind:",  # each station is recorded once by kind and once by district
    **_ROWS,
)
metric(
    "stations.checkins", _("站点签到"), unit=Unit.PERSON_TIMES, app="stations", dims=_("按站点类型"), **_ROWS
)
metric("stations.visitors", _("站点服务职工"), unit=Unit.PERSON_TIMES, app="stations", **_ROWS)
metric("stations.feedback", _("站点评价"), unit=Unit.TIMES, app="stations", dims=_("按评分"), **_ROWS)
metric("stations.inspections", _("站点巡查"), unit=Unit.TIMES, app="stations", **_ROWS)
metric(
    "stations.coverage_permille",
    _("15分钟服务圈覆盖率"),
    unit=Unit.PERMILLE,
    aggregation=Aggregation.LATEST,
    app="stations",
    rows_url="stations:console_coverage",
)
metric(
    "stations.cross_coverage_permille",
    _("跨区覆盖率"),
    unit=Unit.PERMILLE,
    aggregation=Aggregation.LATEST,
    app="stations",
    rows_url="stations:console_coverage",
)
