from __future__ import annotations

from celery import shared_task

from .services import membership_flag_overdue


@shared_task
def flag_overdue_memberships() -> int:
    """Flag overdue applications to the level above (schedule hourly with Celery beat)."""
    return membership_flag_overdue()
