"""Who may approve a spending request, once: the rules both approval paths apply (the ORM path in
``commitments.commitment_approve`` and the PostgreSQL one statement in ``commitment_sql``).

* :func:`refuse_approval` decides from what was read (the union's path, the request's status, who
  asked and who approved first) and raises the refusal; both paths call it (the statement only to
  explain a refusal it already made in SQL, without another query).
* :func:`needs_first_approval` says when an approval only records the first of two (above
  ``FUNDS_SECOND_APPROVAL_FEN``, a request still pending); the statement takes its threshold and
  status from :func:`first_approval_params`, the same source.
* :func:`sql_params` passes the statuses, the threshold, the approver's paths (from the same
  ``orgs.access`` grants as ``require_role``), the account prefixes and the audit action to the
  statement (no literals in the SQL), so a change of a rule changes both paths.
* ``tests/test_approve_twins.py`` drives every refusal through both paths and checks they agree.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from yugong.accounts.models import User
from yugong.core.errors import Conflict, NotFound, PermissionDenied
from yugong.orgs.access import VALID_PATH_PATTERN, can_act, scope_paths
from yugong.orgs.models import Union

from .. import ledger
from ..models import Commitment
from .common import APPROVE_ROLES, READ_ROLES, require, same_user, second_approval_fen

APPROVE_ACTION = "funds.commitment_approve"
FIRST_APPROVE_ACTION = "funds.commitment_first_approve"
# The same metric the ORM path records (commitments.commitment_approve); the fact scanner reads
# literals there, so the SQL path takes it from here and a twin test compares the facts written.
RESERVED_METRIC = "funds.reserved_fen"
OPEN_STATUSES = (Commitment.Status.PENDING, Commitment.Status.FIRST_APPROVED)


class Overdrawn(Conflict):
    code = "budget_exceeded"


def overdrawn() -> Overdrawn:
    return Overdrawn(_("预算项目余额不足。"))


def refuse_approval(
    *, actor: User, union: Union, status: str, requested_by_id: int | None, first_approver_id: int | None
) -> None:
    """Outside the actor's read scope is 404 (like missing), without an approving role 403; a
    request already decided is 409 ``not_pending``; one's own request and a second approval by the
    first approver are 403."""
    if not can_act(actor, union, READ_ROLES):
        raise NotFound()
    require(actor, union, APPROVE_ROLES)
    if status not in OPEN_STATUSES:
        raise Conflict(_("该申请已处理。"), code="not_pending")
    if same_user(actor, requested_by_id):
        raise PermissionDenied(_("不能审批自己提交的支出申请。"), code="self_approval")
    if same_user(actor, first_approver_id):
        raise PermissionDenied(_("复核须由另一位负责人进行。"), code="same_approver")


def first_approval_params() -> dict[str, Any]:
    """What decides "only the first of two": above this many fen, while in this status."""
    return {"threshold": second_approval_fen(), "pending": str(Commitment.Status.PENDING.value)}


def needs_first_approval(*, amount_fen: int, status: str) -> bool:
    """Above the threshold, a pending request's approval is only the first of two."""
    rule = first_approval_params()
    return amount_fen > rule["threshold"] and status == rule["pending"]


def sql_params(actor: User) -> dict[str, Any]:
    """What the one statement compares with and writes, from the same sources as the ORM path."""
    return {
        "open_statuses": [str(s.value) for s in OPEN_STATUSES],
        "first_approved": str(Commitment.Status.FIRST_APPROVED.value),
        "reserved": str(Commitment.Status.RESERVED.value),
        **first_approval_params(),
        "approve_paths": scope_paths(actor, APPROVE_ROLES),
        "path_re": VALID_PATH_PATTERN,
        "uid": getattr(actor, "pk", None),
        "kind": "budget_reserve",
        "acc_reserved": ledger.BUDGET_RESERVED,
        "acc_available": ledger.BUDGET_AVAILABLE,
        "action": APPROVE_ACTION,
        "first_action": FIRST_APPROVE_ACTION,
        "object_type": Commitment._meta.label_lower,
        "fact_metric": RESERVED_METRIC,
    }
