"""Shared reads for contests and competitions (scoped through yugong.orgs.access)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from yugong.core.timeutil import now
from yugong.members.models import Membership
from yugong.orgs.access import access_object, scope_filter
from yugong.orgs.models import Union

from .models import Attempt, Competition, Contest, ContestEntry, EntryMember, QuestionBank


def worker_union(user: Any) -> Union | None:
    if not getattr(user, "is_authenticated", False):
        return None
    m = (
        Membership.objects.filter(person__user_id=user.pk, status__in=Membership.CURRENT)
        .select_related("union")
        .first()
    )
    return m.union if m else None


def contests_open_to(user: Any, *, union: Union | None = None) -> list[Contest]:
    """Published contests in their window whose organiser is a root or an ancestor of the worker's
    union (one query; the ancestors come from the union's path)."""
    union = union if union is not None else worker_union(user)
    at = now()
    cond = Q(organiser__parent__isnull=True)
    if union is not None and union.path:
        ancestors = [union.path[:end] for end in range(9, len(union.path) + 1, 9)]
        cond |= Q(organiser__path__in=ancestors)
    return list(
        Contest.objects.filter(status=Contest.Status.PUBLISHED, starts_at__lte=at, ends_at__gt=at)
        .filter(cond)
        .select_related("organiser")
        .order_by("ends_at", "id")[:50]
    )


def my_entries(user: Any) -> list[ContestEntry]:
    return list(
        ContestEntry.objects.filter(user_id=user.pk)
        .select_related("contest", "contest__organiser")
        .order_by("-id")[:50]
    )


def my_competition_entries(user: Any) -> list[EntryMember]:
    return list(
        EntryMember.objects.filter(person__user_id=user.pk)
        .select_related("entry", "entry__competition", "person")
        .order_by("-id")[:50]
    )


def open_attempt(user: Any, contest_id: int) -> Attempt | None:
    return Attempt.objects.filter(user_id=user.pk, contest_id=contest_id, state=Attempt.State.OPEN).first()


def staff_contests(user: Any) -> QuerySet[Contest]:
    return scope_filter(
        Contest.objects.select_related("organiser", "bank"), user, path_field="organiser__path"
    )


def staff_contest(user: Any, pk: Any) -> Contest:
    return access_object(
        Contest.objects.select_related("organiser", "bank"), user, pk, path_field="organiser__path"
    )


def staff_board_contest(user: Any, pk: Any) -> Contest:
    """A contest whose participation the staff member may see: organised in their subtree, or
    above it (their own unions take part; they see only their subtree's figures)."""
    from yugong.core.errors import NotFound
    from yugong.orgs.access import scope_paths

    try:
        return staff_contest(user, pk)
    except NotFound:
        pass
    contest = (
        Contest.objects.select_related("organiser", "bank").filter(pk=pk).exclude(status="draft").first()
    )
    if contest is None or not any(p.startswith(contest.organiser.path) for p in scope_paths(user)):
        raise NotFound()
    return contest


def staff_banks(user: Any) -> QuerySet[QuestionBank]:
    return scope_filter(QuestionBank.objects.select_related("union"), user, path_field="union__path")


def staff_bank(user: Any, pk: Any) -> QuestionBank:
    return access_object(QuestionBank.objects.select_related("union"), user, pk, path_field="union__path")


def staff_competitions(user: Any) -> QuerySet[Competition]:
    return scope_filter(Competition.objects.select_related("organiser"), user, path_field="organiser__path")


def staff_competition(user: Any, pk: Any) -> Competition:
    return access_object(
        Competition.objects.select_related("organiser"), user, pk, path_field="organiser__path"
    )


def contest_for_worker(user: Any, pk: Any) -> Contest:
    """A published contest the worker may see (NotFound otherwise)."""
    from yugong.core.errors import NotFound

    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound() from None
    contest = (
        Contest.objects.select_related("organiser").filter(pk=pk).exclude(status=Contest.Status.DRAFT).first()
    )
    if contest is None:
        raise NotFound()
    if contest.organiser.parent_id is not None:
        union = worker_union(user)
        if union is None or not union.path.startswith(contest.organiser.path):
            raise NotFound()
    return contest
