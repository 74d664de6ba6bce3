from __future__ import annotations

from celery import shared_task

from .services import sms_codes_purge


@shared_task
def purge_sms_codes() -> int:
    """Delete long-expired SMS login codes (schedule hourly with Celery beat)."""
    return sms_codes_purge()
