"""Shared reads: the worker's own files; the staff's files, scoped to their subtree."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.timezone import now

from yugong.core.errors import NotFound
from yugong.orgs.access import access_object, scope_filter

from .models import Beneficiary, Campaign, CampaignCycle, HardshipFile

# Who may read hardship files and campaigns in their subtree (the hotline sees none: 404).
READ_ROLES = frozenset({"chair", "vice_chair", "staff", "finance", "auditor", "viewer"})

QUEUE_STATUSES = (
    HardshipFile.Status.SUBMITTED,
    HardshipFile.Status.VISITING,
    HardshipFile.Status.APPROVING,
    HardshipFile.Status.NOTICE,
    HardshipFile.Status.OBJECTED,
)


def worker_files(user: Any) -> QuerySet[HardshipFile]:
    return (
        HardshipFile.objects.filter(applicant__user_id=user.pk)
        .select_related("union")
        .prefetch_related("steps")
        .order_by("-pk")
    )


def staff_queue(user: Any, *, status: str) -> QuerySet[HardshipFile]:
    """Files waiting at ``status`` inside the actor's subtree, the oldest deadline first."""
    if status not in QUEUE_STATUSES:
        status = HardshipFile.Status.SUBMITTED
    qs = (
        HardshipFile.objects.filter(status=status)
        .select_related("union", "applicant")
        .order_by("due_at", "pk")
    )
    return scope_filter(qs, user, roles=READ_ROLES)


def is_overdue(file: HardshipFile) -> bool:
    return file.due_at is not None and file.due_at < now()


def staff_file(user: Any, pk: Any) -> HardshipFile:
    qs = HardshipFile.objects.select_related("union", "applicant").prefetch_related(
        "steps", "household", "incomes", "costs", "objections", "income_checks"
    )
    return access_object(qs, user, pk, roles=READ_ROLES)


def staff_campaigns(user: Any) -> QuerySet[Campaign]:
    qs = Campaign.objects.select_related("union", "budget_line").order_by("-pk")
    return scope_filter(qs, user, roles=READ_ROLES)


def staff_campaign(user: Any, pk: Any) -> Campaign:
    return access_object(Campaign.objects.select_related("union", "budget_line"), user, pk, roles=READ_ROLES)


def delivery_cycles(user: Any) -> QuerySet[CampaignCycle]:
    """Cycles being handed out with households inside the actor's subtree (the grassroots staff
    who deliver goods see these without seeing the campaign's whole list)."""
    qs = CampaignCycle.objects.filter(
        status__in=(CampaignCycle.Status.FROZEN, CampaignCycle.Status.PAYING)
    ).select_related("campaign")
    return (
        scope_filter(qs, user, path_field="beneficiaries__union__path", roles=READ_ROLES)
        .distinct()
        .order_by("-pk")
    )


def staff_cycle(user: Any, pk: Any) -> tuple[CampaignCycle, bool]:
    """The cycle and whether the actor sees its whole list (the campaign is in their subtree) or
    only the households inside their subtree. Neither: NotFound, like missing."""
    qs = CampaignCycle.objects.select_related("campaign__union", "campaign__budget_line")
    try:
        return access_object(qs, user, pk, path_field="campaign__union__path", roles=READ_ROLES), True
    except NotFound:
        if not scope_filter(Beneficiary.objects.filter(cycle_id=pk), user, roles=READ_ROLES).exists():
            raise
        return qs.get(pk=pk), False


def cycle_rows(user: Any, cycle: CampaignCycle) -> QuerySet[Beneficiary]:
    """The cycle's households inside the actor's subtree, with what the list page shows."""
    qs = (
        Beneficiary.objects.filter(cycle=cycle)
        .select_related("household", "union", "payout_line")
        .order_by("pk")
    )
    return scope_filter(qs, user, roles=READ_ROLES)


def cycle_batches(cycle: CampaignCycle) -> list[Any]:
    """The funds batches that paid the cycle, oldest first (follow-ups after their batch)."""
    from yugong.funds.models import PayoutBatch

    ids = (
        Beneficiary.objects.filter(cycle=cycle, payout_line__isnull=False)
        .values_list("payout_line__batch_id", flat=True)
        .distinct()
    )
    lines_of = {b.pk: b for b in PayoutBatch.objects.filter(pk__in=list(ids)).order_by("pk")}
    # a follow-up's lines replaced its batch's failed lines: list the batches the chain went through
    more = PayoutBatch.objects.filter(follow_ups__pk__in=list(lines_of)).order_by("pk")
    for b in more:
        lines_of.setdefault(b.pk, b)
    return [lines_of[k] for k in sorted(lines_of)]


def review_due(user: Any, *, within_days: int = 30) -> QuerySet[HardshipFile]:
    """Active files whose annual review is due within ``within_days`` (or overdue), in the actor's
    subtree, the earliest first."""
    import datetime as dt

    from yugong.core.timeutil import local_today

    qs = (
        HardshipFile.objects.filter(
            status=HardshipFile.Status.ACTIVE,
            review_due_on__lte=local_today() + dt.timedelta(days=within_days),
        )
        .select_related("union", "applicant")
        .order_by("review_due_on", "pk")
    )
    return scope_filter(qs, user, roles=READ_ROLES)


def worker_notices(user: Any) -> QuerySet[HardshipFile]:
    """Files in 公示 in the unions where the worker is a current member."""
    from yugong.members.models import Membership

    unions = Membership.objects.filter(person__user_id=user.pk, status__in=Membership.CURRENT).values(
        "union_id"
    )
    return (
        HardshipFile.objects.filter(
            union_id__in=unions,
            status__in=(HardshipFile.Status.NOTICE, HardshipFile.Status.OBJECTED),
            notice_ends_at__gt=now(),
        )
        .select_related("applicant", "union")
        .order_by("notice_ends_at", "pk")
    )


def worker_exit_notices(user: Any) -> QuerySet[HardshipFile]:
    """Exits and removals in 公示 in the unions where the worker is a current member."""
    from yugong.members.models import Membership

    unions = Membership.objects.filter(person__user_id=user.pk, status__in=Membership.CURRENT).values(
        "union_id"
    )
    return (
        HardshipFile.objects.filter(
            union_id__in=unions,
            status__in=(HardshipFile.Status.EXITED, HardshipFile.Status.REMOVED),
            exit_notice_ends_at__gt=now(),
        )
        .select_related("applicant", "union")
        .order_by("exit_notice_ends_at", "pk")
    )


def spot_checks(user: Any, *, result: str = "pending") -> QuerySet[Any]:
    """Spot checks drawn by unions inside the actor's subtree (the drawing union records them)."""
    from .models import SpotCheck

    if result not in SpotCheck.Result.values:
        result = SpotCheck.Result.PENDING
    qs = (
        SpotCheck.objects.filter(result=result)
        .select_related("draw", "draw__union", "union", "file", "file__applicant")
        .order_by("file__review_due_on", "pk")
    )
    return scope_filter(qs, user, path_field="draw__union__path", roles=READ_ROLES)


def spot_draws(user: Any) -> QuerySet[Any]:
    from .models import SpotCheckDraw

    qs = SpotCheckDraw.objects.select_related("union").order_by("-year", "-pk")
    return scope_filter(qs, user, roles=READ_ROLES)


def worker_aid(user: Any) -> QuerySet[Beneficiary]:
    """Aid for the worker's household: paid, signed for, or on its way, the newest first."""
    return (
        Beneficiary.objects.filter(
            household__user_id=user.pk,
            status__in=(
                Beneficiary.Status.SENT,
                Beneficiary.Status.PAID,
                Beneficiary.Status.DELIVERED,
                Beneficiary.Status.FAILED,
            ),
        )
        .select_related("cycle__campaign")
        .order_by("-pk")
    )


def export_union(user: Any, union_id: str) -> Any:
    """The union an export covers: the one asked for (inside the viewer's subtree, else 404) or
    the viewer's outermost node."""
    from yugong.core.validators import is_ascii_digits
    from yugong.orgs.access import access_union, staff_scope

    if union_id and is_ascii_digits(union_id):
        return access_union(user, int(union_id), roles=READ_ROLES)
    first = staff_scope(user, READ_ROLES).first()
    if first is None:
        raise NotFound()
    return first


def files_in(user: Any, union: Any, status: str) -> QuerySet[HardshipFile]:
    """The files of ``union``'s subtree at ``status`` (``all``: every status), scoped."""
    from yugong.orgs.tree import in_subtrees

    qs = HardshipFile.objects.filter(in_subtrees(union.path or ""))
    if status != "all":
        qs = qs.filter(status=status if status in HardshipFile.Status.values else HardshipFile.Status.ACTIVE)
    return scope_filter(qs, user, roles=READ_ROLES)


def files_for_export(user: Any, union: Any, status: str) -> Any:
    if status not in HardshipFile.Status.values:
        status = HardshipFile.Status.ACTIVE
    qs = (
        HardshipFile.objects.filter(status=status, union__path__startswith=union.path)
        .select_related("union", "applicant")
        .order_by("pk")
    )
    return scope_filter(qs, user, roles=READ_ROLES).iterator(chunk_size=2000)
