"""The facts members records, declared for the cockpit. Occurrence counts (人次): one approval is
one fact, whoever it is; the distinct-people metric ``members.people_joined`` is fed by
``fact_person`` (recorded by `membership_approve` and the roster import's write pass, in their own transactions)."""

from typing import Any

from django.utils.translation import gettext_lazy as _

from yugong.core.metrics import Aggregation, Unit, metric

_ROWS: dict[str, Any] = {"rows_url": "members:list", "rows_params": {"union": "union_id"}}
_BY_FORM = _("按就业形态")

metric("members.applied", _("入会申请"), unit=Unit.PERSON_TIMES, app="members", dims=_BY_FORM, **_ROWS)
metric("members.approved", _("新发展会员"), unit=Unit.PERSON_TIMES, app="members", dims=_BY_FORM, **_ROWS)
metric("members.imported", _("花名册导入会员"), unit=Unit.PERSON_TIMES, app="members", dims=_BY_FORM, **_ROWS)
metric("members.migrant_joined", _("农民工入会"), unit=Unit.PERSON_TIMES, app="members", **_ROWS)
metric("members.rejected", _("入会申请驳回"), unit=Unit.PERSON_TIMES, app="members", dims=_BY_FORM, **_ROWS)
metric("members.transferred_in", _("转入会员"), unit=Unit.PERSON_TIMES, app="members", dims=_BY_FORM, **_ROWS)
metric(
    "members.transferred_out", _("转出会员"), unit=Unit.PERSON_TIMES, app="members", dims=_BY_FORM, **_ROWS
)
metric("members.left", _("退出会员"), unit=Unit.PERSON_TIMES, app="members", dims=_BY_FORM, **_ROWS)
metric(
    "members.people_joined",
    _("入会职工（去重）"),
    unit=Unit.PEOPLE,
    aggregation=Aggregation.DISTINCT,
    app="members",
    description=_("同一人在多个工会入会或重复入会只计一次"),
    **_ROWS,
)
