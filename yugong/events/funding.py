"""Activities paid from union funds (issue 14): the organising union names a line of its approved
budget and what the activity costs (per place or in total); the spending request is opened at once
(``funds.spending_open``: the line is required and must be the organiser's own), reserved when a
leader of the organising union approves it (the one approval path of funds: nobody approves their
own request, a second leader above ``FUNDS_SECOND_APPROVAL_FEN``), spent by finance after the
activity — per place, for the members who really checked in; in total, the whole — with the rest
released, or withdrawn/released when the organiser gives the funding up.

Events imports funds (a scenario app may); funds knows nothing of events (``ref`` is the activity)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from yugong.accounts.models import User
from yugong.core import timeutil
from yugong.core.audit import audit_record
from yugong.core.errors import Conflict, ValidationFailed
from yugong.funds import services as funds
from yugong.funds.models import Commitment
from yugong.funds.services.common import FINANCE_ROLES
from yugong.orgs import access

from .models import Activity, ActivityFunding, SignUp
from .services import ORGANISER_ROLES

MAX_COST_FEN = 10**11  # a billion yuan: anything above is a typing error


def _activity(actor: User, activity_id: Any) -> Activity:
    """The activity, locked, when the actor may see it (else 404 like missing)."""
    qs = Activity.objects.select_related("union").select_for_update(of=("self",))
    return access.access_object(qs, actor, activity_id, path_field="union_path")


def _funding(activity: Activity) -> ActivityFunding:
    found = ActivityFunding.objects.select_for_update().filter(activity=activity).first()
    if found is None:
        raise Conflict(_("该活动尚未申请经费。"), code="no_funding")
    return found


@transaction.atomic
def activity_budget_ask(
    *, actor: User, activity_id: Any, line_id: Any, basis: str, cost_fen: Any
) -> ActivityFunding:
    """The organiser asks to pay the activity from a line of the organising union's budget."""
    activity = _activity(actor, activity_id)
    access.require_role(actor, activity.union, ORGANISER_ROLES)
    if activity.status != Activity.Status.OPEN:
        raise Conflict(_("活动已抽签或取消，不能再申请经费。"), code="activity_closed")
    if ActivityFunding.objects.filter(activity=activity).exists():
        raise Conflict(_("该活动已申请经费。"), code="funding_exists")
    errors: dict[str, str] = {}
    if basis not in ActivityFunding.Basis.values:
        errors["basis"] = _("请选择计费方式。")
    if isinstance(cost_fen, bool) or not isinstance(cost_fen, int) or not 0 < cost_fen <= MAX_COST_FEN:
        errors["cost_fen"] = _("费用须为正数。")
    line_problem = funds.spending_line_error(union=activity.union, line_id=line_id)
    if line_problem:
        errors["budget_line"] = line_problem
    if errors:
        raise ValidationFailed(fields=errors)
    amount = cost_fen * activity.places if basis == ActivityFunding.Basis.PER_PLACE else cost_fen
    commitment = funds.spending_open(
        actor=actor,
        union=activity.union,
        line_id=line_id,
        amount_fen=amount,
        purpose=_("职工活动：%(title)s") % {"title": activity.title},
        ref=activity,
    )
    funding = ActivityFunding.objects.create(
        activity=activity,
        commitment=commitment,
        basis=basis,
        cost_fen=cost_fen,
        amount_fen=amount,
        created_by=actor,
    )
    audit_record(
        actor=actor,
        action="activity.budget_ask",
        obj=activity,
        union_id=activity.union_id,
        extra={"line": int(line_id), "amount_fen": amount, "basis": basis},
    )
    return funding


def activity_budget_approve(*, actor: User, activity_id: Any) -> Commitment:  # audited by funds' approval
    """A leader of the organising union approves the activity's spending: the money is reserved
    (or, above the threshold, the first of two approvals is recorded). The one approval of funds."""
    with transaction.atomic():
        activity = _activity(actor, activity_id)
        funding = ActivityFunding.objects.filter(activity=activity).only("commitment_id").first()
    if funding is None:
        raise Conflict(_("该活动尚未申请经费。"), code="no_funding")
    return funds.commitment_approve_id(actor=actor, commitment_id=funding.commitment_id)


def places_used(activity: Activity) -> int:
    """Members who really came (checked in): what a per-place activity costs."""
    return SignUp.objects.filter(activity=activity, checked_in_at__isnull=False).count()


@transaction.atomic
def activity_budget_settle(*, actor: User, activity_id: Any) -> ActivityFunding:
    """Finance pays after the activity has started: per place, the cost of every member checked in;
    in total, the whole. What is left of the reservation goes back to the line."""
    activity = _activity(actor, activity_id)
    access.require_role(actor, activity.union, FINANCE_ROLES)
    funding = _funding(activity)
    if funding.settled_at is not None:
        raise Conflict(_("活动经费已结算。"), code="settled")
    if activity.starts_at is None or timeutil.now() < activity.starts_at:
        raise Conflict(_("活动开始后才能结算经费。"), code="not_started")
    commitment = Commitment.objects.only("status", "reserved_fen").get(pk=funding.commitment_id)
    if commitment.status != Commitment.Status.RESERVED:
        raise Conflict(_("经费尚未批准占用，不能结算。"), code="not_reserved")
    cost = (
        funding.cost_fen * places_used(activity)
        if funding.basis == ActivityFunding.Basis.PER_PLACE
        else funding.cost_fen
    )
    amount = min(cost, commitment.reserved_fen)
    funds.spending_settle(
        actor=actor,
        commitment_id=funding.commitment_id,
        amount_fen=amount,
        memo=_("活动结算：%(title)s") % {"title": activity.title},
    )
    funding.settled_fen = amount
    funding.settled_at = timeutil.now()
    funding.save(update_fields=["settled_fen", "settled_at"])
    audit_record(
        actor=actor,
        action="activity.budget_settle",
        obj=activity,
        union_id=activity.union_id,
        extra={"amount_fen": amount, "released_fen": commitment.reserved_fen - amount},
    )
    return funding


@transaction.atomic
def activity_budget_withdraw(*, actor: User, activity_id: Any, reason: str) -> ActivityFunding:
    """The organiser gives the funding up (the activity will not be paid from funds, or is called
    off): a waiting request is closed, a reservation released. Not after settlement."""
    activity = _activity(actor, activity_id)
    access.require_role(actor, activity.union, ORGANISER_ROLES)
    funding = _funding(activity)
    if funding.settled_at is not None:
        raise Conflict(_("活动经费已结算，不能撤回。"), code="settled")
    text = (reason or "").strip()[:200]
    if not text:
        raise ValidationFailed(fields={"reason": _("请填写撤回理由。")})
    funds.spending_withdraw(actor=actor, commitment_id=funding.commitment_id, reason=text)
    audit_record(
        actor=actor,
        action="activity.budget_withdraw",
        obj=activity,
        union_id=activity.union_id,
        extra={"reason": text},
    )
    return funding


def funding_of(activity: Activity) -> tuple[ActivityFunding | None, Commitment | None]:
    """The activity's funding and its spending request as they stand (for the page)."""
    funding = ActivityFunding.objects.filter(activity=activity).select_related("commitment__line").first()
    return funding, (funding.commitment if funding else None)
