"""What assistance does when other apps report (domain events, never imports)."""

from __future__ import annotations

from yugong.accounts.system import system_actor
from yugong.core.events import event_handler
from yugong.core.models import DomainEvent
from yugong.orgs.models import Union

from .models import HardshipFile
from .services.dynamic import CLOSED, file_transfer


@event_handler("members.transferred")
def file_follows_its_member(event: DomainEvent) -> None:
    """A member moved to another union: their open or active file moves with them."""
    payload = event.payload or {}
    person_id, to_union_id = payload.get("person_id"), payload.get("to_union_id")
    if not isinstance(person_id, int) or not isinstance(to_union_id, int):
        return
    to_union = Union.objects.filter(pk=to_union_id).first()
    if to_union is None:
        return
    for pk in (
        HardshipFile.objects.filter(applicant_id=person_id)
        .exclude(status__in=CLOSED)
        .values_list("pk", flat=True)
    ):
        file_transfer(actor=system_actor(), file=pk, to_union=to_union)
