"""The facts rights records (12351 appeals and mediation), declared for the cockpit."""

from typing import Any

from django.utils.translation import gettext_lazy as _

from yugong.core.metrics import Unit, metric

_ROWS: dict[str, Any] = {"rows_url": "rights:list"}
_BY_CATEGORY = _("按诉求类别")

metric(
    "appeals.created",
    _("受理职工诉求"),
    unit=Unit.TIMES,
    app="rights",
    dims=_("按类别、渠道、区县、行业"),
    total_dims="",  # a total cell beside one breakdown per axis
    **_ROWS,
)
metric("appeals.concluded", _("办结诉求"), unit=Unit.TIMES, app="rights", dims=_BY_CATEGORY, **_ROWS)
metric("appeals.closed_on_time", _("按期结案"), unit=Unit.TIMES, app="rights", dims=_BY_CATEGORY, **_ROWS)
metric("appeals.closed_late", _("超期结案"), unit=Unit.TIMES, app="rights", dims=_BY_CATEGORY, **_ROWS)
metric("appeals.reopened", _("诉求重新办理"), unit=Unit.TIMES, app="rights", **_ROWS)
metric("appeals.rated", _("诉求评价"), unit=Unit.TIMES, app="rights", dims=_("按评分"), **_ROWS)
metric("appeals.referred", _("转办诉求"), unit=Unit.TIMES, app="rights", dims=_("按转办方式"), **_ROWS)
metric("appeals.mediations", _("调解案件"), unit=Unit.TIMES, app="rights", rows_url="rights:mediations")
metric(
    "appeals.amount_recovered_fen",
    _("为职工挽回经济损失"),
    unit=Unit.YUAN,
    app="rights",
    dims=_BY_CATEGORY,
    **_ROWS,
)
