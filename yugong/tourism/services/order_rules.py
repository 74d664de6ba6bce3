"""Who may order what, once: the rules both order paths apply (the ORM path in ``orders`` and the
PostgreSQL one statement in ``order_sql``).

* :func:`refuse_unorderable` decides from what was read (session active, product and merchant
  reviewed, not started) and raises the refusal; both paths call it.
* :func:`needs_checks` says when a product must take the ORM path (members only, union rules,
  purchase limits, a seat map); the statement computes the same thing in SQL from the same columns.
* :func:`sql_params` passes the statuses to the statement from the choice classes (no literals in
  the SQL), so renaming a status changes both paths.
* ``tests/test_order_twins.py`` drives every refusal through both paths and checks they agree.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _

from yugong.core.errors import Conflict, NotFound

from ..models import Order, ReviewStatus, Ticket

ORDER_PLACE_ACTION = "tourism.order_place"


def refuse_unorderable(
    *, active: bool, product_status: str, merchant_status: str, starts_at: dt.datetime, at: dt.datetime
) -> None:
    """Off sale (inactive session, product or merchant not approved) is 404, like missing; a session
    that has started is 409 ``session_closed``."""
    if not active or product_status != ReviewStatus.APPROVED or merchant_status != ReviewStatus.APPROVED:
        raise NotFound()
    if starts_at <= at:
        raise Conflict(_("该场次已开始或已结束，不能再预订。"), code="session_closed")


def needs_checks(
    *,
    members_only: bool,
    restricted: bool,
    limit_per_day: int | None,
    limit_per_year: int | None,
    seated: bool,
) -> bool:
    """True when the order needs the ORM path's checks (eligibility, limits under the buyer's lock,
    seat holds)."""
    return bool(
        members_only or restricted or limit_per_day is not None or limit_per_year is not None or seated
    )


def sold_out() -> Conflict:
    return Conflict(_("很抱歉，该场次余票不足，已售罄。"), code="sold_out")


def sql_params() -> dict[str, Any]:
    """The statuses the one statement compares with and writes, from the choice classes."""
    return {
        "approved": str(ReviewStatus.APPROVED.value),
        "order_pending": str(Order.Status.PENDING.value),
        "ticket_valid": str(Ticket.Status.VALID.value),
        "action": ORDER_PLACE_ACTION,
        "object_type": Order._meta.label_lower,
    }
