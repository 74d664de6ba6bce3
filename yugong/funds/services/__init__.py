"""The write paths of funds (keyword-only, atomic, permission through ``orgs.access``, audit and
facts in the same transaction). Import from here."""

from .budgets import (
    budget_approve,
    budget_create,
    budget_line_add,
    budget_return,
    budget_submit,
    income_line_add,
    income_record,
)
from .commitments import (
    Overdrawn,
    commitment_approve,
    commitment_refund,
    commitment_reject,
    commitment_release,
    commitment_request,
    commitment_spend,
    reserve,
)

__all__ = [
    "Overdrawn",
    "budget_approve",
    "budget_create",
    "budget_line_add",
    "budget_return",
    "budget_submit",
    "commitment_approve",
    "commitment_refund",
    "commitment_reject",
    "commitment_release",
    "commitment_request",
    "commitment_spend",
    "income_line_add",
    "income_record",
    "reserve",
]
