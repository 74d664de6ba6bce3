"""Thin task wrappers (Celery in production, in-process in the embedded default). Schedule
``release_expired_holds`` every minute (celery beat or cron: ``manage.py release_expired_holds``)."""

from __future__ import annotations

from celery import shared_task

from .services import release_expired_holds as _release


@shared_task
def release_expired_holds() -> int:
    return _release()
