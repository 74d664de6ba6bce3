"""Shared reads for contests and competitions (scoped through yugong.orgs.access)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from yugong.core.errors import NotFound
from yugong.core.timeutil import now
from yugong.members.models import Membership
from yugong.orgs import tree
from yugong.orgs.access import access_object, access_union, grants, scope_filter, scope_paths
from yugong.orgs.models import Union

from . import visibility
from .models import Attempt, Competition, Contest, ContestEntry, EntryMember, QuestionBank
from .quiz import leaderboard


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
    """The contests a worker sees (:mod:`yugong.contests.visibility`) that are published and in
    their window (one query)."""
    union = union if union is not None else worker_union(user)
    at = now()
    return list(
        Contest.objects.filter(visibility.worker_sees_q(union.path if union else None))
        .filter(status=Contest.Status.PUBLISHED, starts_at__lte=at, ends_at__gt=at)
        .select_related("organiser")
        .order_by("ends_at", "id")[:50]
    )


def my_entries(user: Any) -> list[ContestEntry]:
    return list(
        ContestEntry.objects.filter(user_id=user.pk)
        .select_related("contest", "contest__organiser")
        .order_by("-id")[:50]
    )


def my_entry(user: Any, contest_id: int) -> ContestEntry | None:
    """The user's entry in a contest, with the union they took part in."""
    return ContestEntry.objects.filter(contest_id=contest_id, user_id=user.pk).select_related("union").first()


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
    try:
        return staff_contest(user, pk)
    except NotFound:
        pass
    contest = Contest.objects.select_related("organiser", "bank").filter(pk=pk).first()
    if contest is None or not visibility.staff_board_sees(
        status=contest.status, organiser_path=contest.organiser.path, scope=scope_paths(user)
    ):
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
    """A contest the worker sees (:func:`visibility.worker_sees`; NotFound otherwise)."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound() from None
    contest = Contest.objects.select_related("organiser").filter(pk=pk).first()
    if contest is None:
        raise NotFound()
    root = contest.organiser.parent_id is None
    union = None if root else worker_union(user)  # a root's contest needs no membership read
    if not visibility.worker_sees(
        status=contest.status,
        organiser_path=contest.organiser.path,
        organiser_is_root=root,
        worker_path=union.path if union else None,
    ):
        raise NotFound()
    return contest


# --- the hot reads: leaderboards --------------------------------------------------------------
# A leaderboard request needs only who organised a contest and whether it is published. Those facts
# are kept per process for FACTS_SECONDS (a contest saved in this process drops them at once, see
# apps.py; other processes see a change within FACTS_SECONDS), so "my rank" and the union boards
# make no query for the contest. Scope is always checked against the request's own grants.

FACTS_SECONDS = 10


@dataclass(frozen=True)
class ContestFacts:
    pk: int
    organiser_id: int
    organiser_path: str
    organiser_is_root: bool
    status: str


_facts: dict[int, tuple[float, ContestFacts]] = {}
_facts_lock = threading.Lock()


def contest_facts(pk: int) -> ContestFacts | None:
    """Who organised contest ``pk`` and its status (None when there is no such contest)."""
    at = time.monotonic()
    with _facts_lock:
        hit = _facts.get(pk)
    if hit is not None and at - hit[0] < FACTS_SECONDS:
        return hit[1]
    row = (
        Contest.objects.filter(pk=pk)
        .values_list("organiser_id", "organiser__path", "organiser__parent_id", "status")
        .first()
    )
    if row is None:  # misses are not kept: random ids must not fill the cache
        return None
    facts = ContestFacts(pk, row[0], row[1], row[2] is None, row[3])
    with _facts_lock:
        if len(_facts) > 10_000:
            _facts.clear()
        _facts[pk] = (at, facts)
    return facts


def contest_facts_forget(pk: int | None = None) -> None:
    with _facts_lock:
        if pk is None:
            _facts.clear()
        else:
            _facts.pop(pk, None)


def _organised_in_scope(user: Any, facts: ContestFacts) -> bool:
    """Organised inside the staff member's subtree (what :func:`staff_contest` lets through)."""
    return visibility.staff_organises(organiser_path=facts.organiser_path, scope=scope_paths(user))


def leaderboard_contest(user: Any, pk: int) -> ContestFacts:
    """The contest of a worker's leaderboard: what :func:`contest_for_worker` lets through (the
    same predicate, on the cached facts), else what staff may see (organised in their subtree);
    NotFound otherwise."""
    facts = contest_facts(pk)
    if facts is None:
        raise NotFound()
    root = facts.organiser_is_root
    union = None if root or facts.status not in visibility.VISIBLE_STATUSES else worker_union(user)
    if visibility.worker_sees(
        status=facts.status,
        organiser_path=facts.organiser_path,
        organiser_is_root=root,
        worker_path=union.path if union else None,
    ):
        return facts
    if _organised_in_scope(user, facts):
        return facts
    raise NotFound()


def _board_node_id(user: Any, facts: ContestFacts) -> int:
    """The default node of a union board: the organiser when the staff member acts over it, else
    their outermost node inside the organiser's subtree (from the grants: no query)."""
    mine = grants(user)
    if any(tree.within(facts.organiser_path, g.path) for g in mine):
        return facts.organiser_id
    inside = sorted((g.path, g.union_id) for g in mine if tree.within(g.path, facts.organiser_path))
    if not inside:
        raise NotFound()
    return inside[0][1]


def staff_union_board_json(
    user: Any, contest_id: int, parent_id: int | None, *, level: str, limit: int
) -> str:
    """The union board (``list[UnionRowOut]`` as JSON) of a contest the staff member may see
    (:func:`staff_board_contest`), under ``parent_id`` (default: their node for the contest),
    which must be inside their subtree. Steady state: the grants (one query, needed for the
    scope) and one cache call; the parent's path comes with the cached board and is checked
    against the grants of this request."""
    facts = contest_facts(contest_id)
    if facts is None:
        raise NotFound()
    paths = scope_paths(user)
    if not visibility.staff_board_sees(status=facts.status, organiser_path=facts.organiser_path, scope=paths):
        raise NotFound()
    node_id = _board_node_id(user, facts) if parent_id is None else parent_id
    hit = leaderboard.union_board_cached(contest_id, node_id, level=level, limit=limit)
    if hit is not None and tree.within_any(hit[0], paths):
        return hit[1]
    node = access_union(user, node_id)  # outside the subtree (or missing): 404
    return leaderboard.union_board_render(
        contest_id, node, organiser_path=facts.organiser_path, level=level, limit=limit
    )
