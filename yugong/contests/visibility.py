"""Who may see a knowledge contest: the one rule, used by every path.

A worker sees a contest that is not a draft and whose organiser is a root union (the city
federation: open to every signed-in worker) or the worker's own union or one of its ancestors.
Staff see what is organised inside their subtree (drafts included); a contest organised above
them (not a draft) they see on the participation boards, for their own subtree's figures.

Every path asks these functions: the list of open contests (:func:`worker_sees_q`, one query),
the detail and quiz pages, the API's detail, material and start (first start inside the hot SQL
path too), the leaderboard (from the per-process contest facts) — :func:`worker_sees` — and the
staff boards (:func:`staff_board_sees`). ``tests/test_visibility.py`` drives every refusal
through each of them.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q

from yugong.orgs import tree

from .models import Contest

# The statuses a worker may see (everything but a draft), from the choices class.
VISIBLE_STATUSES: tuple[str, ...] = tuple(s for s in Contest.Status.values if s != Contest.Status.DRAFT)


def worker_sees(
    *, status: str, organiser_path: str, organiser_is_root: bool, worker_path: str | None
) -> bool:
    """The rule for one contest (``worker_path``: the path of the worker's current union, None
    when they belong to none)."""
    if status not in VISIBLE_STATUSES:
        return False
    return organiser_is_root or tree.within(worker_path, organiser_path)


def worker_sees_q(worker_path: str | None) -> Q:
    """The same rule as a filter over ``Contest`` rows (the organiser's path among the worker's
    ancestors' paths: an index look-up, not a prefix scan of every contest)."""
    cond = Q(organiser__parent__isnull=True)
    ancestors = tree.ancestor_paths(worker_path or "")
    if ancestors:
        cond |= Q(organiser__path__in=ancestors)
    return Q(status__in=VISIBLE_STATUSES) & cond


def staff_organises(*, organiser_path: str, scope: Iterable[str]) -> bool:
    """Organised inside one of the staff member's subtrees (``scope``: their scope paths)."""
    return tree.within_any(organiser_path, scope)


def staff_board_sees(*, status: str, organiser_path: str, scope: Iterable[str]) -> bool:
    """The participation boards: organised in the staff member's subtree, or (not a draft)
    organised above one of their nodes — they then see only their own subtree's figures."""
    scope = list(scope)
    if staff_organises(organiser_path=organiser_path, scope=scope):
        return True
    return status in VISIBLE_STATUSES and any(tree.within(p, organiser_path) for p in scope)
