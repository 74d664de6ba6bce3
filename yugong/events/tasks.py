"""Thin task wrappers (Celery beat in production; cron with ``manage.py activity_offers_expire`` in the
embedded default)."""

from __future__ import annotations

from celery import shared_task

from yugong.accounts.system import system_actor

from .services import offers_expire


@shared_task
def expire_offers() -> int:
    """Waiting-list offers past their time go to the next in line."""
    return offers_expire(actor=system_actor())
