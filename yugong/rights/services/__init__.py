"""Rights write paths (one per state change). See intake.py, appeals.py (handling), closing.py, cases.py, policies.py; the SLA rules
are in rights.sla, routing in rights.routing."""

from .appeals import (
    appeal_accept,
    appeal_assign,
    appeal_note,
    appeal_pause,
    appeal_resume,
    appeal_transfer,
    transfer_direction,
)
from .cases import (
    appeal_refer,
    mediation_conclude,
    mediation_fulfilment_record,
    mediation_open,
    mediation_session_add,
    referral_update,
)
from .closing import (
    FOLLOW_UP_RESULTS,
    appeal_close,
    appeal_conclude,
    appeal_follow_up,
    appeal_rate,
    appeal_reveal_caller,
)
from .common import HANDLE_ROLES, INTAKE_ROLES, VIEW_ROLES, is_own_appeal
from .intake import appeal_attach, appeal_create, appeal_number_allocate, attachment_check
from .policies import can_edit_library, faq_save, policy_save

__all__ = [
    "FOLLOW_UP_RESULTS",
    "HANDLE_ROLES",
    "INTAKE_ROLES",
    "VIEW_ROLES",
    "appeal_accept",
    "appeal_assign",
    "appeal_attach",
    "appeal_close",
    "appeal_conclude",
    "appeal_create",
    "appeal_follow_up",
    "appeal_note",
    "appeal_number_allocate",
    "appeal_pause",
    "appeal_rate",
    "appeal_refer",
    "appeal_resume",
    "appeal_reveal_caller",
    "appeal_transfer",
    "attachment_check",
    "can_edit_library",
    "faq_save",
    "is_own_appeal",
    "mediation_conclude",
    "mediation_fulfilment_record",
    "mediation_open",
    "mediation_session_add",
    "policy_save",
    "referral_update",
    "transfer_direction",
]
