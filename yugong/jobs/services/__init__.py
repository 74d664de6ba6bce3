"""The jobs write paths (one per state change), split by sub-domain."""

from .fairs import booth_add, booth_remove, fair_cancel, fair_create, fair_publish, fair_update
from .intents import (
    intent_confirm,
    intent_contact_view,
    intent_decide,
    intent_send,
    intent_share_contact,
    intent_withdraw,
    resume_save,
)
from .posts import (
    post_close,
    post_create,
    post_review,
    post_submit,
    post_update,
    recruiter_add,
    recruiter_remove,
    wording_errors,
)

__all__ = [
    "booth_add", "booth_remove", "fair_cancel", "fair_create", "fair_publish", "fair_update",
    "intent_confirm", "intent_contact_view", "intent_decide", "intent_send", "intent_share_contact",
    "intent_withdraw", "post_close", "post_create", "post_review", "post_submit", "post_update",
    "recruiter_add", "recruiter_remove", "resume_save", "wording_errors",
]  # fmt: skip
