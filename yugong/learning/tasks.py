"""Thin task wrappers (Celery workers in production; in-process when there is no broker)."""

from __future__ import annotations

from celery import shared_task

from .media import lesson_transcode


@shared_task
def transcode_lesson(lesson_id: int) -> str:
    """Transcode an uploaded video or audio lesson into its renditions (``media.lesson_transcode``)."""
    return lesson_transcode(lesson_id=lesson_id)
