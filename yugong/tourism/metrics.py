"""The facts tourism records, declared for the cockpit."""

from typing import Any

from django.utils.translation import gettext_lazy as _

from yugong.core.metrics import Unit, metric

_ROWS: dict[str, Any] = {"rows_url": "tourism:p_settlement"}
_BY_KIND = _("按订单类型")

metric("tourism.orders", _("文旅订单"), unit=Unit.ORDERS, app="tourism", dims=_BY_KIND, **_ROWS)
metric("tourism.visitors", _("文旅惠及职工"), unit=Unit.PERSON_TIMES, app="tourism", dims=_BY_KIND, **_ROWS)
metric("tourism.paid_fen", _("文旅消费金额"), unit=Unit.YUAN, app="tourism", dims=_BY_KIND, **_ROWS)
metric("tourism.saved_fen", _("职工节省金额"), unit=Unit.YUAN, app="tourism", dims=_BY_KIND, **_ROWS)
metric("tourism.passes", _("发放年票"), unit=Unit.ITEMS, app="tourism", rows_url="tourism:u_passes")
metric("tourism.entries", _("核验入园"), unit=Unit.PERSON_TIMES, app="tourism", dims=_("按凭证类型"), **_ROWS)
metric("tourism.refunds", _("退款订单"), unit=Unit.ORDERS, app="tourism", **_ROWS)
