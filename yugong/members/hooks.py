"""What members does when the union tree changes, and its panel on the union page (registered with
``yugong.orgs.extensions`` in :meth:`MembersConfig.ready`; orgs never imports members)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, F, Q, Value
from django.db.models.functions import Concat, Length, Substr
from django.utils.translation import gettext as _

from yugong.accounts.models import User
from yugong.core.audit import audit_record
from yugong.core.errors import Conflict
from yugong.core.facts import fact_record
from yugong.core.timeutil import local_today, now
from yugong.orgs.models import Union

from .models import Membership

CHUNK = 2000


def union_merged(*, actor: User, union: Any, into: Any) -> None:
    """Runs inside the merge transaction. Pending applications simply move to the successor.
    Current memberships end at the merged union (``transferred``) and continue at the successor
    as new rows linked by ``previous``, with the same member number and ``member_since``: the
    history keeps where each member was, and membership stays continuous."""
    moved_pending = Membership.objects.filter(union=union, status=Membership.Status.PENDING).update(
        union=into, union_path=into.path
    )
    today, moment = local_today(), now()
    moved = 0
    while True:
        batch = list(
            Membership.objects.select_for_update()
            .filter(union=union, status__in=Membership.CURRENT)
            .order_by("id")[:CHUNK]
        )
        if not batch:
            break
        Membership.objects.filter(pk__in=[m.pk for m in batch]).update(
            status=Membership.Status.TRANSFERRED, ended_on=today, updated_at=moment
        )
        Membership.objects.bulk_create(
            [
                Membership(
                    person_id=m.person_id,
                    union=into,
                    status=m.status,
                    channel=Membership.Channel.TRANSFER,
                    member_no=m.member_no,
                    applied_at=moment,
                    decided_at=moment,
                    decided_by=actor if getattr(actor, "pk", None) else None,
                    member_since=m.member_since,
                    started_on=today,
                    previous_id=m.pk,
                    note=_("工会合并转入"),
                    union_path=into.path,
                    person_name=m.person_name,
                    employment_form=m.employment_form,
                    migrant_worker=m.migrant_worker,
                    employer_name=m.employer_name,
                )
                for m in batch
            ]
        )
        moved += len(batch)
    if moved or moved_pending:
        audit_record(
            actor=actor,
            action="membership.union_merged",
            union_id=into.pk,
            extra={"from_union": union.pk, "members": moved, "pending": moved_pending},
        )
    if moved:
        fact_record(metric="members.transferred_out", union_id=union.pk, value=moved, dim="merge")
        fact_record(metric="members.transferred_in", union_id=into.pk, value=moved, dim="merge")


def subtree_moved(*, old_path: str, new_path: str) -> None:
    """Runs inside the move: rewrite the prefix of the union paths copied onto memberships (the
    search keys the access layer scopes on), like orgs rewrote the unions' own paths."""
    if not old_path or old_path == new_path:
        return
    # Found through the unions now under new_path (the (union, status, id) index), not by scanning
    # memberships for the old prefix.
    subtree = Union.objects.filter(path__startswith=new_path).values("pk")
    Membership.objects.filter(union_id__in=subtree).update(
        union_path=Concat(Value(new_path), Substr(F("union_path"), Length(Value(old_path)) + 1))
    )


def union_closing(*, actor: User, union: Any) -> None:
    """A union with members or pending applications cannot be closed: merge it instead, or move
    the members first."""
    counts = Membership.objects.filter(union=union).aggregate(
        current=Count("id", filter=Q(status__in=Membership.CURRENT)),
        pending=Count("id", filter=Q(status=Membership.Status.PENDING)),
    )
    if counts["current"] or counts["pending"]:
        raise Conflict(
            _("该工会还有%(m)s名会员、%(p)s件待审批申请，请先办理转会，或改为合并到其他工会。")
            % {"m": counts["current"], "p": counts["pending"]}
        )


def union_panel(request: Any, union: Any) -> dict[str, Any] | None:
    """Counts at this union itself (one index-only query on (union, status, id)); subtree totals
    come from the cockpit's facts, not from counting millions of rows on a page view."""
    counts = Membership.objects.filter(union=union).aggregate(
        active=Count("id", filter=Q(status=Membership.Status.ACTIVE)),
        suspended=Count("id", filter=Q(status=Membership.Status.SUSPENDED)),
        pending=Count("id", filter=Q(status=Membership.Status.PENDING)),
        overdue=Count("id", filter=Q(status=Membership.Status.PENDING, due_at__lt=now())),
    )
    return {
        "title": _("本会会员"),
        "rows": [
            (_("会员"), counts["active"]),
            (_("暂停"), counts["suspended"]),
            (_("待审批申请"), counts["pending"]),
            (_("其中已超期"), counts["overdue"]),
        ],
    }
