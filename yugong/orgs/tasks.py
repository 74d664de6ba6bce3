"""Periodic orgs work (celery beat; without Celery run ``manage.py home_reassessments`` from cron)."""

from __future__ import annotations

from celery import shared_task

from .services import home_reassessments_generate


@shared_task
def home_reassessments() -> int:
    """Daily: open a re-assessment application for each 职工之家 title that falls due."""
    return home_reassessments_generate()
