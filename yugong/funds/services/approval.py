"""The one entry point for approving a spending request, whoever asks: the console's 批准 button
(first and second approval alike), ``POST /api/v1/funds/commitments/{id}/approve`` and the scenario
apps that approve their spending with their own decision (tourism's 包场 and annual passes, events'
activity budgets). On PostgreSQL it is the one prepared statement (``commitment_sql``), elsewhere —
or with ``FUNDS_APPROVE_ONE_STATEMENT=0`` — the ORM path (``commitments.commitment_approve``); both
apply ``commitment_rules`` and ``tests/test_approve_twins.py`` proves they agree, through the page
and the API too."""

from __future__ import annotations

from yugong.accounts.models import User

from ..models import Commitment
from .commitment_sql import approve_one_statement, fast_sql_enabled
from .commitments import commitment_approve


def commitment_approve_id(*, actor: User, commitment_id: int) -> Commitment:  # audited by both paths
    """Approve request ``commitment_id``: reserve, or above ``FUNDS_SECOND_APPROVAL_FEN`` record the
    first of two approvals. Missing or outside the actor's subtree is 404; the refusals are the
    rules' (403 own request / second approval by the first approver / no approving role, 409
    already decided or overdrawn)."""
    if fast_sql_enabled():
        return approve_one_statement(actor, commitment_id)
    return commitment_approve(actor=actor, commitment=commitment_id)
