"""Payment providers, shaped for asynchronous gateways:

    create (outside any locking transaction) → pending → signed notification → paid / failed
    refund (outside any locking transaction, scheduled ``on_commit``)

* :class:`SimulatedGateway` (``"sim"``) stands in for a real gateway in development and tests: it
  "hosts" a pay page (``tourism:sim_pay``) and sends HMAC-SHA256-signed JSON notifications that can
  succeed, fail, arrive late or arrive twice (:func:`sim_notification`).
* :class:`OfflineProvider` (``"union_funds"``, ``"venue"``) confirms at once: union funds for
  group orders, cash or card taken by the merchant at the venue.

A real gateway adds a class with the same three methods and an entry in :data:`PROVIDERS`; the
services never know which one they talk to.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from typing import Any, Protocol

from django.conf import settings
from django.urls import reverse


@dataclass(frozen=True)
class CreateResult:
    pay_url: str
    immediate: bool = False  # True: already paid (offline providers), no notification follows


@dataclass(frozen=True)
class Notice:
    event_id: str
    provider_ref: str
    status: str  # "succeeded" | "failed"
    amount_fen: int
    payload: dict[str, Any]


class Provider(Protocol):
    name: str

    def create(self, *, provider_ref: str, amount_fen: int, subject: str) -> CreateResult: ...

    def refund(self, *, provider_ref: str, amount_fen: int) -> None: ...

    def parse(self, *, body: bytes, signature: str) -> Notice | None:
        """The notice when the signature is right, else None."""


def _sim_secret() -> bytes:
    configured = getattr(settings, "TOURISM_SIM_GATEWAY_SECRET", "")
    base = configured or hashlib.sha256(f"yugong-sim-gateway:{settings.SECRET_KEY}".encode()).hexdigest()
    return base.encode()


def sim_sign(body: bytes) -> str:
    return hmac.new(_sim_secret(), body, hashlib.sha256).hexdigest()


class SimulatedGateway:
    name = "sim"

    def create(self, *, provider_ref: str, amount_fen: int, subject: str) -> CreateResult:
        return CreateResult(pay_url=reverse("tourism:sim_pay", args=[provider_ref]))

    def refund(self, *, provider_ref: str, amount_fen: int) -> None:
        # A real gateway is called here (after commit, never under a lock).
        return None

    def parse(self, *, body: bytes, signature: str) -> Notice | None:
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

    def create(self, *, provider_ref: str, amount_fen: int, subject: str) -> CreateResult:
        return CreateResult(pay_url="", immediate=True)

    def refund(self, *, provider_ref: str, amount_fen: int) -> None:
        return None

    def parse(self, *, body: bytes, signature: str) -> Notice | None:
        return None


PROVIDERS: dict[str, Provider] = {
    "sim": SimulatedGateway(),
    "union_funds": OfflineProvider("union_funds"),
    "venue": OfflineProvider("venue"),
}


def provider(name: str) -> Provider:
    return PROVIDERS[name]
