"""The facts contests records, declared for the cockpit."""

from typing import Any

from django.utils.translation import gettext_lazy as _

from yugong.core.metrics import Unit, metric

_ROWS: dict[str, Any] = {"rows_url": "contests:console_participation", "rows_params": {"union": "union_id"}}

metric("contests_held", _("举办竞赛"), unit=Unit.SESSIONS, app="contests", dims=_("按竞赛类型"), **_ROWS)
metric(
    "contest_participants",
    _("网上竞赛参赛职工"),
    unit=Unit.PERSON_TIMES,
    app="contests",
    dims=_("按竞赛"),
    **_ROWS,
)
metric(
    "competitors", _("技能竞赛参赛选手"), unit=Unit.PERSON_TIMES, app="contests", dims=_("按竞赛"), **_ROWS
)
metric(
    "competition_winners",
    _("技能竞赛获奖"),
    unit=Unit.PERSON_TIMES,
    app="contests",
    dims=_("按竞赛"),
    **_ROWS,
)
