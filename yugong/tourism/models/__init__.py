"""百万职工游巴蜀: merchants, products and sessions, orders and tickets, payments, group orders, the
annual pass, statements and payouts (the ledger is ``yugong.funds``).

Invariants the database keeps (the last judge, whatever the services do):

* a session never has negative stock nor more sold than its capacity (``CheckConstraint``);
* one order per (user, idempotency key);
* one successful pass entry per pass, spot and day;
* one pass per person and year;
* a ledger entry's lines sum to zero (checked by :func:`yugong.funds.ledger.post` before writing
  and by the reconciliation report afterwards).

Money is integer fen everywhere; rates are basis points (1 bp = 0.01 %).

The models are split by sub-domain: ``catalog`` (merchants, products, sessions), ``orders``
(orders, tickets, seats, payments, group orders), ``passes`` (the annual pass) and ``ledger``
(ledger, statements, payouts). Import them from here.
"""

from .catalog import (
    Merchant,
    MerchantStaff,
    Product,
    ProductPicture,
    ReviewStatus,
    Session,
    new_token,
    product_picture_path,
)
from .ledger import Payout, Statement
from .orders import GroupOrder, Order, Payment, PaymentNotification, SeatHold, Ticket
from .passes import AnnualPass, PassBatch, PassEntry, PassPool, PassSpot

__all__ = [
    "AnnualPass",
    "GroupOrder",
    "Merchant",
    "MerchantStaff",
    "Order",
    "PassBatch",
    "PassEntry",
    "PassPool",
    "PassSpot",
    "Payment",
    "PaymentNotification",
    "Payout",
    "Product",
    "ProductPicture",
    "ReviewStatus",
    "SeatHold",
    "Session",
    "Statement",
    "Ticket",
    "new_token",
    "product_picture_path",
]
