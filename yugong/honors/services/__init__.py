"""Honours services: one write path per state change (see the modules)."""

from .common import REVIEW_ROLES
from .nominations import (
    may_withdraw,
    nomination_review,
    nomination_submit,
    nomination_withdraw,
    objection_handle,
    objection_raise,
)
from .register import laureate_add, laureate_set_corps, talk_book, talk_cancel, talk_deliver
from .rounds import notice_publish, quota_set, round_award, round_create

__all__ = [
    "REVIEW_ROLES",
    "laureate_add",
    "laureate_set_corps",
    "may_withdraw",
    "nomination_review",
    "nomination_submit",
    "nomination_withdraw",
    "notice_publish",
    "objection_handle",
    "objection_raise",
    "quota_set",
    "round_award",
    "round_create",
    "talk_book",
    "talk_cancel",
    "talk_deliver",
]
