"""Console pages of funds: budgets, spending and reports (``budgets``), bank batches (``bank``),
reconciliation runs (``reconcile``)."""

from .bank import batch_action, batch_detail, batch_file, batch_list, payout_line_action
from .budgets import (
    budget_action,
    budget_detail,
    budget_list,
    commitment_action,
    commitment_list,
    income_receipt,
    line_detail,
    report,
)
from .reconcile import difference_resolve, run_detail, run_list, run_start

__all__ = [
    "batch_action",
    "batch_detail",
    "batch_file",
    "batch_list",
    "budget_action",
    "budget_detail",
    "budget_list",
    "commitment_action",
    "commitment_list",
    "difference_resolve",
    "income_receipt",
    "line_detail",
    "payout_line_action",
    "report",
    "run_detail",
    "run_list",
    "run_start",
]
