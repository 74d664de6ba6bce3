"""Tourism write paths (one function per state change, ``<entity>_<verb>``), split by sub-domain."""

from .gate import ticket_scan
from .groups import group_order_approve, group_order_reject, group_order_request
from .merchants import (
    merchant_apply,
    merchant_review,
    merchant_update_terms,
    product_review,
    product_save,
    session_add,
)
from .orders import order_cancel, order_expire, order_place, release_expired_holds
from .passes import pass_batch_approve, pass_batch_reject, pass_batch_request, pass_qr_token, pass_verify
from .payments import payment_confirm_venue, payment_notify, payment_start
from .pictures import product_picture_add, product_picture_remove
from .refunds import RefundQuote, order_refund, refund_quote
from .settlement import payout_record, reconcile, statement_build
from .spots import pass_spot_apply, pass_spot_review, pass_spot_set_active
from .staff import merchant_staff_add, merchant_staff_deactivate, merchant_staff_set_role

__all__ = [
    "RefundQuote",
    "group_order_approve",
    "group_order_reject",
    "group_order_request",
    "merchant_apply",
    "merchant_review",
    "merchant_staff_add",
    "merchant_staff_deactivate",
    "merchant_staff_set_role",
    "merchant_update_terms",
    "order_cancel",
    "order_expire",
    "order_place",
    "order_refund",
    "pass_batch_approve",
    "pass_batch_reject",
    "pass_batch_request",
    "pass_qr_token",
    "pass_verify",
    "payment_confirm_venue",
    "payment_notify",
    "payment_start",
    "pass_spot_apply",
    "pass_spot_review",
    "pass_spot_set_active",
    "payout_record",
    "product_picture_add",
    "product_picture_remove",
    "product_review",
    "product_save",
    "reconcile",
    "refund_quote",
    "release_expired_holds",
    "session_add",
    "statement_build",
    "ticket_scan",
]
