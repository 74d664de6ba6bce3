"""困难帮扶 writes: apply (the worker, or an officer for them) → grassroots review → home visit →
approval up the tree (levels by union kind, as configured) → 公示 with objections → active file.

Every write is keyword-only, atomic, checked through ``yugong.orgs.access``, audited and counted in
the same transaction. The tier is recomputed by :func:`yugong.assistance.tier.compute_tier` from
the file's own figures every time they change.
"""

from .apply import file_apply
from .campaigns import (
    beneficiary_add,
    beneficiary_exclude,
    campaign_create,
    cycle_approve,
    cycle_build,
    cycle_create,
    cycle_return,
    cycle_submit,
)
from .checks import income_check_answer, income_check_request
from .common import REVIEW_ROLES, approval_kinds, line_for, recompute_tier
from .dynamic import (
    file_close,
    file_reassess,
    file_reenter,
    file_transfer,
    files_purge_expired,
    next_review,
)
from .lists import eligible
from .payments import (
    beneficiary_deliver,
    cycle_close,
    cycle_pay,
    cycle_results_import,
    cycle_retry_failed,
)
from .spotchecks import draw_verify, sample_of, spot_check_draw, spot_check_record
from .steps import (
    approver_union,
    file_activate,
    file_approve,
    file_review,
    file_visit,
    objection_handle,
    objection_raise,
)

__all__ = [
    "draw_verify",
    "sample_of",
    "spot_check_draw",
    "spot_check_record",
    "income_check_answer",
    "income_check_request",
    "file_close",
    "file_reassess",
    "file_reenter",
    "file_transfer",
    "files_purge_expired",
    "next_review",
    "beneficiary_add",
    "beneficiary_deliver",
    "beneficiary_exclude",
    "campaign_create",
    "cycle_approve",
    "cycle_build",
    "cycle_close",
    "cycle_create",
    "cycle_pay",
    "cycle_results_import",
    "cycle_retry_failed",
    "cycle_return",
    "cycle_submit",
    "eligible",
    "REVIEW_ROLES",
    "approval_kinds",
    "approver_union",
    "file_activate",
    "file_apply",
    "file_approve",
    "file_review",
    "file_visit",
    "line_for",
    "objection_handle",
    "objection_raise",
    "recompute_tier",
]
