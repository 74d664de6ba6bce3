"""Background work of the roster import: a thin wrapper around the service (in the embedded default
Celery runs it in-process, eagerly, right after the upload commits)."""

from __future__ import annotations

from celery import shared_task


@shared_task(
    name="yugong.members.tasks_import.roster_import_task", acks_late=True
)  # the name queued tasks carry
def roster_import_task(import_id: int) -> str:
    from .run import roster_import_run

    return roster_import_run(import_id=import_id).status
