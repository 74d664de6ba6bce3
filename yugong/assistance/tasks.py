from __future__ import annotations

from celery import shared_task

from yugong.accounts.system import system_actor

from .services.dynamic import files_purge_expired


@shared_task
def purge_expired_files() -> int:
    """Delete files closed longer ago than ASSISTANCE_RETENTION_YEARS (scheduled daily)."""
    return files_purge_expired(actor=system_actor())
