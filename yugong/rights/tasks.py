from __future__ import annotations

from celery import shared_task

from .notify import sla_notify


@shared_task
def rights_sla_notify() -> int:
    """Run every 15 minutes (celery beat) or via ``manage.py rights_sla_notify`` from cron."""
    return sla_notify()
