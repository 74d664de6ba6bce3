"""A session's stock (the conditional UPDATE) and the seats of a mapped session."""

from __future__ import annotations

import time
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from yugong.core.errors import Conflict

from ..models import Order, SeatHold, Session
from ..seatmap import seat_label


def take_stock(session_id: int, quantity: int, *, _unsafe_naive: bool = False) -> bool:
    """Take ``quantity`` of a session's stock; False when there is not enough. Caller is inside
    the transaction that records what the stock was taken for."""
    if _unsafe_naive:
        # TEST-ONLY control path: read, decide in Python, write back an absolute value. Two buyers
        # that read the same value both "succeed" — the lost update the conditional UPDATE prevents.
        current = Session.objects.values_list("remaining", flat=True).get(pk=session_id)
        time.sleep(0.005)  # widen the window so the control test shows the race every run
        if current < quantity:
            return False
        Session.objects.filter(pk=session_id).update(remaining=current - quantity)
        return True
    return bool(
        Session.objects.filter(pk=session_id, remaining__gte=quantity).update(
            remaining=F("remaining") - quantity
        )
    )


def release_stock(session_id: int, quantity: int, *, sold: bool = False, order: Order | None = None) -> None:
    """Give ``quantity`` places back (a cancelled, expired or refunded order); with ``order``, its
    seats on a mapped session are free again too."""
    changes: dict[str, Any] = {"remaining": F("remaining") + quantity}
    if sold:
        changes["sold"] = F("sold") - quantity
    Session.objects.filter(pk=session_id).update(**changes)
    if order is not None:
        SeatHold.objects.filter(order=order).delete()


def hold_seats(session: Session, order: Order, keys: list[str]) -> None:
    """Take the seats ``keys`` of a mapped session for ``order``, inside the caller's transaction.
    Seats already held are named in the refusal; the unique constraint settles a race between two
    buyers who pass that check at the same moment."""
    taken = set(SeatHold.objects.filter(session=session, seat__in=keys).values_list("seat", flat=True))
    if not taken:
        try:
            with transaction.atomic():
                SeatHold.objects.bulk_create(SeatHold(session=session, seat=k, order=order) for k in keys)
            return
        except IntegrityError:
            taken = set(
                SeatHold.objects.filter(session=session, seat__in=keys).values_list("seat", flat=True)
            )
    names = "、".join(seat_label(k) for k in keys if k in taken) or "、".join(seat_label(k) for k in keys)
    raise Conflict(_("座位已被他人订走：%(seats)s，请另选座位。") % {"seats": names}, code="seat_taken")
