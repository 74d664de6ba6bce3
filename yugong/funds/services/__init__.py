"""The write paths of funds (keyword-only, atomic, permission through ``orgs.access``, audit and
facts in the same transaction). Import from here."""

from .approval import commitment_approve_id
from .bank import (
    batch_create,
    batch_export,
    batch_follow_up,
    batch_line_add,
    batch_lines_for_file,
    batch_results_import,
    payout_line_cancel,
    payout_line_correct,
    queued_fen,
)
from .budgets import (
    budget_approve,
    budget_create,
    budget_line_add,
    budget_return,
    budget_submit,
    income_line_add,
    income_record,
)
from .commitment_sql import approve_one_statement, fast_sql_enabled
from .commitments import (
    Overdrawn,
    commitment_approve,
    commitment_refund,
    commitment_refund_for,
    commitment_reject,
    commitment_release,
    commitment_release_for,
    commitment_request,
    commitment_spend,
    commitment_spend_for,
    commitment_withdraw_for,
    reserve,
)
from .reconcile import difference_resolve, provider_bill_reconcile

__all__ = [
    "approve_one_statement",
    "fast_sql_enabled",
    "batch_create",
    "batch_export",
    "batch_follow_up",
    "batch_line_add",
    "batch_lines_for_file",
    "batch_results_import",
    "difference_resolve",
    "payout_line_cancel",
    "payout_line_correct",
    "queued_fen",
    "provider_bill_reconcile",
    "Overdrawn",
    "budget_approve",
    "budget_create",
    "budget_line_add",
    "budget_return",
    "budget_submit",
    "commitment_approve",
    "commitment_approve_id",
    "commitment_refund",
    "commitment_refund_for",
    "commitment_release_for",
    "commitment_spend_for",
    "commitment_withdraw_for",
    "commitment_reject",
    "commitment_release",
    "commitment_request",
    "commitment_spend",
    "income_line_add",
    "income_record",
    "reserve",
]
