from __future__ import annotations

from celery import shared_task

from . import sms
from .pii import decrypt


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_sms(encrypted_phone: str, text: str) -> None:
    sms._deliver(decrypt(encrypted_phone), text)
