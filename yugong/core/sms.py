"""SMS adapter (an outside service behind an adapter, principle 7).

Backends, chosen by ``SMS_BACKEND``:
* ``console``: logs the message;
* ``outbox`` (development default): logs it and keeps it in the demo outbox (``SmsMessage``) that
  admins read at /console/sms-outbox/;
* ``locmem``: keeps it in :data:`outbox` (tests);
* ``http``: POSTs JSON ``{"phone", "text"}`` with a bearer token to ``SMS_HTTP_URL`` — the shape
  of most Chinese SMS gateways' HTTP APIs; adapt the payload in one place here.

Call :func:`sms_send` from services: it sends after the transaction commits, never inside it.
"""

from __future__ import annotations

import functools
import json
import logging
import urllib.request
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from .pii import blind_index, encrypt, mask_phone

log = logging.getLogger("yugong.sms")


@dataclass(frozen=True)
class Sms:
    phone: str
    text: str


outbox: list[Sms] = []


def _deliver(phone: str, text: str) -> None:
    backend = settings.SMS_BACKEND
    if backend == "locmem":
        outbox.append(Sms(phone, text))
        return
    if backend in {"console", "outbox"}:
        log.info("SMS to %s: %s", mask_phone(phone) if not settings.DEBUG else phone, text)
        if backend == "outbox":
            from .models import SmsMessage

            SmsMessage.objects.create(
                phone_masked=mask_phone(phone),
                phone_index=blind_index("phone", phone),
                body=text,
                backend=backend,
            )
        return
    if backend == "http":
        if not settings.SMS_HTTP_URL:
            raise RuntimeError("SMS_BACKEND=http needs SMS_HTTP_URL")
        request = urllib.request.Request(  # noqa: S310 - URL comes from the operator's settings
            settings.SMS_HTTP_URL,
            data=json.dumps({"phone": phone, "text": text}).encode(),
            headers={
                "Content-Type": "application/json",
                "Authorization": f"Bearer {settings.SMS_HTTP_TOKEN or ''}",
            },
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            if response.status >= 300:
                raise RuntimeError(f"SMS gateway answered {response.status}")
        return
    raise RuntimeError(f"unknown SMS_BACKEND {backend!r}")


def sms_send(*, phone: str, text: str) -> None:
    """Send once the surrounding transaction commits (immediately when there is none)."""
    from .tasks import send_sms

    # The phone number travels through the broker encrypted, like everywhere else at rest.
    sealed = encrypt(phone)
    transaction.on_commit(functools.partial(send_sms.delay, sealed, text))
