"""Shared reads: the worker's own files; the staff's files, scoped to their subtree."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.timezone import now

from yugong.orgs.access import access_object, scope_filter

from .models import HardshipFile

QUEUE_STATUSES = (
    HardshipFile.Status.SUBMITTED,
    HardshipFile.Status.VISITING,
    HardshipFile.Status.APPROVING,
    HardshipFile.Status.NOTICE,
    HardshipFile.Status.OBJECTED,
)


def worker_files(user: Any) -> QuerySet[HardshipFile]:
    return (
        HardshipFile.objects.filter(applicant__user_id=user.pk)
        .select_related("union")
        .prefetch_related("steps")
        .order_by("-pk")
    )


def staff_queue(user: Any, *, status: str) -> QuerySet[HardshipFile]:
    """Files waiting at ``status`` inside the actor's subtree, the oldest deadline first."""
    if status not in QUEUE_STATUSES:
        status = HardshipFile.Status.SUBMITTED
    qs = (
        HardshipFile.objects.filter(status=status)
        .select_related("union", "applicant")
        .order_by("due_at", "pk")
    )
    return scope_filter(qs, user)


def is_overdue(file: HardshipFile) -> bool:
    return file.due_at is not None and file.due_at < now()


def staff_file(user: Any, pk: Any) -> HardshipFile:
    qs = HardshipFile.objects.select_related("union", "applicant").prefetch_related(
        "steps", "household", "incomes", "costs", "objections"
    )
    return access_object(qs, user, pk)
