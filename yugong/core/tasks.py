from __future__ import annotations

from celery import shared_task

from . import sms
from .pii import decrypt


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_sms(encrypted_phone: str, text: str) -> None:
    sms._deliver(decrypt(encrypted_phone), text)


@shared_task(acks_late=True)
def deliver_event(event_id: int) -> int:
    """A Celery worker runs the pending deliveries of one domain event (yugong.core.events)."""
    from .events import deliver_event_now

    return deliver_event_now(event_id)


@shared_task
def deliver_due_events() -> int:
    """Periodic: retries whose time has come, and anything a crash left behind."""
    from .events import deliver_due

    return deliver_due()
