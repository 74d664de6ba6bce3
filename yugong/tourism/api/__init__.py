"""Ninja router under ``/api/v1/tourism/``, split by sub-domain: ``catalog`` (products, sessions,
seats), ``orders`` (orders, payments, notifications), ``gate`` (ticket scan, pass verification, my
pass) and ``merchant`` (staff accounts, product pictures), ``spots`` (annual-pass spots). Importing the package registers every
operation on ``router`` in that order."""

from . import catalog, gate, merchant, orders, spots  # noqa: F401  (registers the operations)
from .base import router
from .orders import OrderOut

__all__ = ["OrderOut", "router"]
