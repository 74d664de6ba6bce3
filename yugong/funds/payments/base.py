"""The payment-provider interface every scenario pays through, shaped for asynchronous gateways:

    create (outside any locking transaction) → pending → signed notification → paid / failed
    refund (outside any locking transaction, scheduled ``on_commit``)

Providers: the simulator (development only, kept by the scenario that hosts its pay page), the
offline ones (union funds, pay at the venue) and WeChat Pay API v3 (:mod:`.wechatpay`). Which one
workers pay through is ``settings.PAYMENT_GATEWAY`` (:func:`worker_gateway`); with DEBUG off the
simulator is refused by the system check ``funds.E001``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.conf import settings


@dataclass(frozen=True)
class CreateResult:
    pay_url: str = ""
    immediate: bool = False  # True: already paid (offline providers), no notification follows
    # What the payer's page needs to open the gateway (WeChat JSAPI: appId, timeStamp, …, paySign).
    params: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Notice:
    event_id: str
    provider_ref: str
    status: str  # "succeeded" | "failed"
    amount_fen: int
    payload: dict[str, Any]


@dataclass(frozen=True)
class Payer:
    """Who pays and from where: WeChat JSAPI needs the openid, H5 the payer's IP address."""

    openid: str = ""
    client_ip: str = ""


class Provider(Protocol):
    name: str

    def create(
        self, *, provider_ref: str, amount_fen: int, subject: str, payer: Payer | None = None
    ) -> CreateResult: ...

    def refund(self, *, provider_ref: str, amount_fen: int, total_fen: int | None = None) -> None: ...

    def parse(self, *, body: bytes, headers: Mapping[str, str]) -> Notice | None:
        """The notice when the signature is right, else None."""


def worker_gateway() -> str:
    """The provider workers pay through: "sim", "wechatpay" or "off" (no individual payments)."""
    return str(getattr(settings, "PAYMENT_GATEWAY", "sim") or "sim")
