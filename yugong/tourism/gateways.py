"""Payment providers, shaped for asynchronous gateways:

    create (outside any locking transaction) → pending → signed notification → paid / failed
    refund (outside any locking transaction, scheduled ``on_commit``)

* :class:`SimulatedGateway` (``"sim"``) stands in for a real gateway in development and tests: it
  "hosts" a pay page (``tourism:sim_pay``) and sends HMAC-SHA256-signed JSON notifications that can
  succeed, fail, arrive late or arrive twice (:func:`sim_notification`).
* :class:`OfflineProvider` (``"union_funds"``, ``"venue"``) confirms at once: union funds for
  group orders, cash or card taken by the merchant at the venue.
* ``"wechatpay"``: WeChat Pay API v3 (:class:`yugong.funds.payments.wechatpay.WeChatPayProvider`,
  configured from ``WECHATPAY_*``; its client is built on first use).

The interface is funds' (:mod:`yugong.funds.payments.base`: every scenario pays through it); the
services never know which provider they talk to. Workers pay through ``settings.PAYMENT_GATEWAY``
(:func:`worker_providers`); production refuses the simulator (system check ``funds.E001``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Mapping

from django.conf import settings
from django.urls import reverse

from yugong.funds.payments.base import CreateResult, Notice, Payer, Provider, worker_gateway
from yugong.funds.payments.wechatpay import WeChatPayProvider

__all__ = [
    "PROVIDERS",
    "CreateResult",
    "Notice",
    "Payer",
    "Provider",
    "provider",
    "worker_gateway",
    "worker_providers",
]


def _signature(headers: Mapping[str, str]) -> str:
    return next((v for k, v in headers.items() if k.lower() == "x-signature"), "")


def _sim_secret() -> bytes:
    configured = getattr(settings, "TOURISM_SIM_GATEWAY_SECRET", "")
    base = configured or hashlib.sha256(f"yugong-sim-gateway:{settings.SECRET_KEY}".encode()).hexdigest()
    return base.encode()


def sim_sign(body: bytes) -> str:
    return hmac.new(_sim_secret(), body, hashlib.sha256).hexdigest()


class SimulatedGateway:
    name = "sim"

    def create(
        self, *, provider_ref: str, amount_fen: int, subject: str, payer: Payer | None = None
    ) -> CreateResult:
        return CreateResult(pay_url=reverse("tourism:sim_pay", args=[provider_ref]))

    def refund(self, *, provider_ref: str, amount_fen: int, total_fen: int | None = None) -> None:
        # A real gateway is called here (after commit, never under a lock).
        return None

    def parse(self, *, body: bytes, headers: Mapping[str, str]) -> Notice | None:
        signature = _signature(headers)
        if not signature or not hmac.compare_digest(sim_sign(body), signature):
            return None
        try:
            data = json.loads(body.decode())
            return Notice(
                event_id=str(data["event_id"])[:64],
                provider_ref=str(data["provider_ref"])[:64],
                status="succeeded" if data["status"] == "succeeded" else "failed",
                amount_fen=int(data["amount_fen"]),
                payload=data,
            )
        except (ValueError, KeyError, TypeError, UnicodeDecodeError):
            return None


def sim_notification(
    provider_ref: str, amount_fen: int, *, status: str = "succeeded", event_id: str | None = None
) -> tuple[bytes, str]:
    """What the simulated gateway POSTs to ``/api/v1/tourism/payments/notify/sim``: body, signature."""
    body = json.dumps(
        {
            "event_id": event_id or f"evt_{secrets.token_hex(8)}",
            "provider_ref": provider_ref,
            "status": status,
            "amount_fen": amount_fen,
        },
        sort_keys=True,
    ).encode()
    return body, sim_sign(body)


class OfflineProvider:
    def __init__(self, name: str) -> None:
        self.name = name

    def create(
        self, *, provider_ref: str, amount_fen: int, subject: str, payer: Payer | None = None
    ) -> CreateResult:
        return CreateResult(pay_url="", immediate=True)

    def refund(self, *, provider_ref: str, amount_fen: int, total_fen: int | None = None) -> None:
        return None

    def parse(self, *, body: bytes, headers: Mapping[str, str]) -> Notice | None:
        return None


PROVIDERS: dict[str, Provider] = {
    "sim": SimulatedGateway(),
    "wechatpay": WeChatPayProvider(),
    "union_funds": OfflineProvider("union_funds"),
    "venue": OfflineProvider("venue"),
}


def worker_providers() -> tuple[str, ...]:
    """The providers a worker may pay through: the configured gateway (none when "off")."""
    gateway = worker_gateway()
    return (gateway,) if gateway in ("sim", "wechatpay") else ()


def provider(name: str) -> Provider:
    return PROVIDERS[name]
