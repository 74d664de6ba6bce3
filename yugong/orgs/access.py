"""The one access layer (principle 1): every staff permission is a role at a union node, valid for
that node's whole subtree. Pages, API, exports, admin and background jobs all ask here.

* :func:`grants` — the user's active roles (at active unions), one query, cached on the user object.
* :func:`staff_scope` — the nodes where the user holds roles (outermost only).
* :func:`scope_filter` — narrow any queryset to the actor's subtrees, given the path of the union
  field (``"path"`` for unions, ``"union__path"`` for objects hanging on a union; a tuple of paths
  means "inside the subtree through any of them").
* :func:`access_union` / :func:`access_object` — fetch one object, raising the same ``NotFound``
  whether it is missing or outside the subtree (objects of others answer 404, never 403).
  :func:`access_union_ref` — the same for a caller that needs the union's id and path only: the path
  is cached beside the grants under the tree stamp, so a cached answer runs no query.
* :func:`can_act` / :func:`require_role` — the actor holds one of ``roles`` at a node that contains
  ``union`` (``require_role``: NotFound when the union is not visible at all, 403 when visible but
  the role is missing).

Rules this module keeps (and its tests pin):

* Business rights come only from active ``RoleAssignment`` rows at active unions. ``is_superuser``,
  ``is_staff`` and ``User.admin_role`` (system / security / audit administrators, MLPS level 3) give
  no business data at all: system administration is a separate axis, checked where it applies
  (the admin site, the audit log), never here.
* The system actor (``yugong.accounts.system.system_actor``: jobs, imports, seeds, event handlers)
  holds every role at every root of the tree. It is the only "trusted caller" convention: there is
  no ``actor=None`` or ``check_permission=False`` escape hatch.
* Fail closed: no grant → no rows; a grant whose path is malformed (e.g. an empty path, which as a
  prefix would match everything) is ignored; an unknown role name is a programming error and raises
  ``ValueError`` instead of silently matching nothing.
* Revoking a role or moving a subtree changes what a user may reach; services call
  :func:`forget_grants` and long-lived jobs should re-load the user.

Grants cache (the shared Django cache: Redis in production and CI, local memory on SQLite)
------------------------------------------------------------------------------------------
Every staff request used to pay the grants query. The computed grants (union id, **path** and role:
the paths are what every scope filter uses, so they are cached too) now live in the shared cache
under ``access:grants:<user id>``, stamped with two generation stamps read *before* the query:

* the user's stamp (``access:gen:u:<id>``) changes whenever one of the user's role rows is
  created, changed or deleted, and whenever the user row itself is saved (deactivation included);
* the tree stamp (``access:gen:tree``) changes whenever a union is created, moved, merged, closed,
  reopened or deleted (paths and statuses are part of a grant). Union paths read by
  :func:`access_union_ref` (``access:path:<union id>``) are stored under it the same way.

An entry is used only when both of its stamps equal the current ones; otherwise the query runs and
its result is stored with the stamps read before it, so a write that commits while the query runs
can only make the entry miss, never serve old rights. A stamp is a random token (not a counter): a
stamp evicted from the cache and made again can never match an old entry.

Who changes the stamps (:func:`grants_changed`, :func:`tree_changed`): at once *and* again in the
write's ``on_commit`` (the second one is the one that counts: a request that read the first stamp
before the commit may have stored the old rights under it). Signal receivers (``receivers.py``)
cover every ``save()``/``delete()`` of ``RoleAssignment``, ``Union`` and ``User`` (the admin site,
seeds, factories); the tree services that write with ``QuerySet.update`` (move, merge, close,
reopen, retiring roles) call :func:`tree_changed` themselves, and so does every ``migrate``. Other
code that writes roles, paths or statuses with ``QuerySet.update`` or SQL must call them too. The
query itself also requires an active user, so a deactivated user loses every grant on the next
request even while the per-process token cache (``accounts.auth``, at most a few seconds) still
holds the old user row.

Cache outage: a failing cache read falls back to the query (never to "allowed", never to "no
rights" either). A failing stamp change is logged and kept: this process changes it before its next
read of the cache, and until it has succeeded reads the grants from the database. Entries live at
most ``ACCESS_GRANTS_CACHE_SECONDS`` (default 300; 0 turns the cache off), which bounds what a
cache that missed a stamp change can serve if the writing process also stops before the cache
comes back.
"""

from __future__ import annotations

import logging
import re
import secrets
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.db.models import Model, Q, QuerySet

from yugong.core.errors import NotFound, PermissionDenied

from .models import RoleAssignment, Union

M = TypeVar("M", bound=Model)
logger = logging.getLogger(__name__)

ALL_ROLES = frozenset(RoleAssignment.Role.values)
# Who may change the tree, employers, ratings and volunteer teams.
MANAGE_ROLES = frozenset({"chair", "vice_chair", "staff"})
# Who may merge, close and reopen unions.
LEADER_ROLES = frozenset({"chair", "vice_chair"})
# Who may grant and revoke roles.
CHAIR_ROLES = frozenset({"chair"})

_PATH_RE = re.compile(r"^(?:[0-9a-f]{8}/)+$")
# The same pattern for SQL (PostgreSQL's ``~``), for a fast path that applies ``can_act`` in SQL.
VALID_PATH_PATTERN = _PATH_RE.pattern


@dataclass(frozen=True)
class Grant:
    union_id: int
    path: str
    role: str


def valid_path(path: str | None) -> bool:
    return bool(path) and _PATH_RE.match(path or "") is not None


def _wanted(roles: Iterable[str] | None) -> frozenset[str]:
    if roles is None:
        return ALL_ROLES
    wanted = frozenset([roles] if isinstance(roles, str) else roles)
    unknown = wanted - ALL_ROLES
    if unknown:
        raise ValueError(f"unknown role(s): {sorted(unknown)}")
    return wanted


def grants(user: Any) -> list[Grant]:
    """Active role grants of ``user``: memoised on the user object, else from the shared cache
    (stamped, see the module's notes), else one query."""
    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return []
    cached = getattr(user, "_yugong_grants", None)
    if cached is None and getattr(user, "is_system", False):
        cached = [
            Grant(union_id, path, role)
            for union_id, path in Union.objects.filter(parent__isnull=True).values_list("pk", "path")
            if valid_path(path)
            for role in sorted(ALL_ROLES)
        ]
        user._yugong_grants = cached
    if cached is None:
        cached = _cached_grants(user.pk)
        user._yugong_grants = cached
    return cached


def _query_grants(user_id: int) -> list[Grant]:
    return [
        Grant(union_id, path, role)
        for union_id, path, role in RoleAssignment.objects.filter(
            user_id=user_id, user__is_active=True, active=True, union__status=Union.Status.ACTIVE
        )
        .order_by()
        .values_list("union_id", "union__path", "role")
        if valid_path(path)
    ]


# --- The shared grants cache ---------------------------------------------------------------------

DEFAULT_GRANTS_CACHE_SECONDS = 300
_namespace = {"prefix": "access"}  # tests rotate it (reset_grants_cache) so that reused ids start clean


def _user_stamp_key(user_id: int) -> str:
    return f"{_namespace['prefix']}:gen:u:{user_id}"


def _tree_stamp_key() -> str:
    return f"{_namespace['prefix']}:gen:tree"


def _entry_key(user_id: int) -> str:
    return f"{_namespace['prefix']}:grants:{user_id}"


def _cache_seconds() -> int:
    return int(getattr(settings, "ACCESS_GRANTS_CACHE_SECONDS", DEFAULT_GRANTS_CACHE_SECONDS))


def _new_stamp() -> str:
    return secrets.token_hex(8)


def _cached_grants(user_id: int) -> list[Grant]:
    return _grants_and_stamps(user_id)[0]


def _grants_and_stamps(user_id: int, *also: str) -> tuple[list[Grant], str | None, dict[str, Any]]:
    """The grants (as :func:`_cached_grants`), the tree stamp they were read under (None: nothing
    may be stored under it) and the entries of ``also`` read in the same round trip."""
    seconds = _cache_seconds()
    if seconds <= 0:
        return _query_grants(user_id), None, {}
    user_key, tree_key, entry_key = _user_stamp_key(user_id), _tree_stamp_key(), _entry_key(user_id)
    if _pending and not _restamp(()):
        return _query_grants(user_id), None, {}
    try:
        found = cache.get_many([user_key, tree_key, entry_key, *also])
    except Exception:  # noqa: BLE001 - any cache failure: the query decides, never the cache
        logger.warning("grants cache unreachable; reading grants from the database", exc_info=True)
        return _query_grants(user_id), None, {}
    user_stamp, tree_stamp, entry = found.get(user_key), found.get(tree_key), found.get(entry_key)
    if user_stamp is None or tree_stamp is None:
        # A stamp is missing (first use, eviction): make it (add: a concurrent change wins) and
        # answer from the query without storing anything under a stamp this request did not read.
        try:
            for key, stamp in ((user_key, user_stamp), (tree_key, tree_stamp)):
                if stamp is None:
                    cache.add(key, _new_stamp(), timeout=None)
        except Exception:  # noqa: BLE001
            logger.warning("grants cache unreachable; reading grants from the database", exc_info=True)
        return _query_grants(user_id), None, {}
    if isinstance(entry, tuple) and len(entry) == 3 and entry[0] == user_stamp and entry[1] == tree_stamp:
        return [Grant(union_id, path, role) for union_id, path, role in entry[2]], tree_stamp, found
    result = _query_grants(user_id)
    rows = tuple((g.union_id, g.path, g.role) for g in result)
    try:
        cache.set(entry_key, (user_stamp, tree_stamp, rows), timeout=seconds)
    except Exception:  # noqa: BLE001
        logger.warning("grants cache unreachable; grants not stored", exc_info=True)
    return result, tree_stamp, found


# Stamps this process failed to change (the cache was unreachable): changed before its next read.
_pending: set[str] = set()
_pending_lock = threading.Lock()


def _restamp(keys: Iterable[str]) -> bool:
    with _pending_lock:
        todo = _pending | set(keys)
        try:
            cache.set_many({key: _new_stamp() for key in sorted(todo)}, timeout=None)
        except Exception:  # noqa: BLE001 - retried before this process's next read; logged loudly
            _pending.update(todo)
            logger.error("could not change grants stamps %s; retried on the next read", sorted(todo))
            return False
        _pending.clear()
        return True


def _restamp_now_and_on_commit(keys: list[str]) -> None:
    _restamp(keys)
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(lambda: _restamp(keys))


def grants_changed(*user_ids: int | None) -> None:
    """The grants of these users changed (a role row, the user row): their cached grants go, now
    and again when the current transaction commits."""
    keys = [_user_stamp_key(uid) for uid in sorted({u for u in user_ids if u is not None})]
    if keys:
        _restamp_now_and_on_commit(keys)


def tree_changed() -> None:
    """Union paths or statuses changed: every cached grant goes, now and again on commit."""
    _restamp_now_and_on_commit([_tree_stamp_key()])


def reset_grants_cache() -> None:
    """Start every cached grant afresh in this process (tests: ids are reused after a rollback)."""
    _namespace["prefix"] = f"access:{_new_stamp()}"


def forget_grants(user: Any) -> None:
    if user is not None and hasattr(user, "_yugong_grants"):
        del user._yugong_grants


def _outermost(paths: Iterable[str]) -> list[str]:
    out: list[str] = []
    for path in sorted(set(paths)):
        if not any(path.startswith(p) for p in out):
            out.append(path)
    return out


def scope_paths(user: Any, roles: Iterable[str] | None = None) -> list[str]:
    """The outermost paths where ``user`` holds one of ``roles`` (any role when None)."""
    wanted = _wanted(roles)
    return _outermost(g.path for g in grants(user) if g.role in wanted)


def is_staff_member(user: Any) -> bool:
    return bool(grants(user))


def scope_q(
    user: Any, *, path_field: str | Sequence[str] = "union__path", roles: Iterable[str] | None = None
) -> Q | None:
    """The filter for "inside the actor's subtrees", or None when the actor has no scope at all."""
    paths = scope_paths(user, roles)
    if not paths:
        return None
    fields = [path_field] if isinstance(path_field, str) else list(path_field)
    condition = Q()
    for field in fields:
        for path in paths:
            condition |= Q(**{f"{field}__startswith": path})
    return condition


def scope_filter(
    qs: QuerySet[M],
    user: Any,
    *,
    path_field: str | Sequence[str] = "union__path",
    roles: Iterable[str] | None = None,
) -> QuerySet[M]:
    """Only the rows inside the actor's subtrees. No grant, no rows (a forgotten role fails closed)."""
    condition = scope_q(user, path_field=path_field, roles=roles)
    if condition is None:
        return qs.none()
    qs = qs.filter(condition)
    if not isinstance(path_field, str) and len(path_field) > 1:
        qs = qs.distinct()
    return qs


def subtree_filter(qs: QuerySet[M], union: Union, *, path_field: str = "union__path") -> QuerySet[M]:
    """Rows under ``union`` (itself included). The caller has already checked access to ``union``."""
    if not valid_path(union.path):
        return qs.none()
    return qs.filter(**{f"{path_field}__startswith": union.path})


def staff_scope(user: Any, roles: Iterable[str] | None = None) -> QuerySet[Union]:
    paths = scope_paths(user, roles)
    return Union.objects.filter(path__in=paths).order_by("path")


def access_union(user: Any, union_id: Any, *, roles: Iterable[str] | None = None) -> Union:
    if isinstance(union_id, bool):
        raise NotFound()
    try:
        pk = int(union_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    union = scope_filter(Union.objects.all(), user, path_field="path", roles=roles).filter(pk=pk).first()
    if union is None:
        raise NotFound()
    return union


@dataclass(frozen=True)
class UnionRef:
    """A union the caller may reach, by id and path only (:func:`access_union_ref`)."""

    pk: int
    path: str


def _union_path_key(pk: int) -> str:
    return f"{_namespace['prefix']}:path:{pk}"


def _query_union_path(pk: int) -> str | None:
    return Union.objects.filter(pk=pk).order_by().values_list("path", flat=True).first()


def _union_path(pk: int, tree_stamp: str | None, found: dict[str, Any]) -> str | None:
    """The union's path: from ``found`` when it was stored under the current tree stamp, else one
    query (stored under the stamp read *before* it, like the grants: a move that commits while the
    query runs can only make the entry miss)."""
    entry = found.get(_union_path_key(pk))
    if tree_stamp is not None and isinstance(entry, tuple) and len(entry) == 2 and entry[0] == tree_stamp:
        return str(entry[1])
    path = _query_union_path(pk)
    if tree_stamp is not None and path is not None:
        try:
            cache.set(_union_path_key(pk), (tree_stamp, path), timeout=_cache_seconds())
        except Exception:  # noqa: BLE001
            logger.warning("grants cache unreachable; union path not stored", exc_info=True)
    return path


def _stamped_tree(pk: int) -> tuple[str | None, dict[str, Any]]:
    """The tree stamp and the union's path entry in one round trip (the grants are known)."""
    if _cache_seconds() <= 0 or (_pending and not _restamp(())):
        return None, {}
    try:
        found = cache.get_many([_tree_stamp_key(), _union_path_key(pk)])
    except Exception:  # noqa: BLE001 - the query decides
        logger.warning("grants cache unreachable; reading the union from the database", exc_info=True)
        return None, {}
    return found.get(_tree_stamp_key()), found


def access_union_ref(user: Any, union_id: Any, *, roles: Iterable[str] | None = None) -> UnionRef:
    """:func:`access_union` for callers that need the union's id and path only (the cockpit's cached
    figures): the same rule (:func:`can_act`'s — inside a subtree where the user holds one of
    ``roles``), the same ``NotFound`` for missing and outside, but the path comes from the shared
    cache under the tree stamp (which every change of a path changes, see "Grants cache"), read in the
    same round trip as the grants: a request whose rights and tree did not change runs no query."""
    if isinstance(union_id, bool):
        raise NotFound()
    try:
        pk = int(union_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    wanted = _wanted(roles)
    memo = getattr(user, "_yugong_grants", None)
    if (
        memo is None
        and not getattr(user, "is_system", False)
        and getattr(user, "is_authenticated", False)
        and getattr(user, "is_active", False)
    ):
        memo, tree_stamp, found = _grants_and_stamps(user.pk, _union_path_key(pk))
        user._yugong_grants = memo
    else:
        memo = grants(user)
        tree_stamp, found = _stamped_tree(pk) if memo else (None, {})
    if not memo:  # no grant: nothing to look up
        raise NotFound()
    path = _union_path(pk, tree_stamp, found)
    if path is None or not _reaches(memo, path, wanted):
        raise NotFound()
    return UnionRef(pk, path)


def access_object(
    qs: QuerySet[M],
    user: Any,
    pk: Any,
    *,
    path_field: str | Sequence[str] = "union__path",
    roles: Iterable[str] | None = None,
) -> M:
    if isinstance(pk, bool) or pk is None:
        raise NotFound()
    try:
        obj = scope_filter(qs, user, path_field=path_field, roles=roles).get(pk=pk)
    except (ObjectDoesNotExist, ValueError, TypeError):
        raise NotFound() from None
    return obj


def _reaches(user_grants: Iterable[Grant], path: str, wanted: frozenset[str]) -> bool:
    """The rule in Python: ``path`` lies inside the subtree of a grant of one of ``wanted``."""
    return valid_path(path) and any(g.role in wanted and path.startswith(g.path) for g in user_grants)


def can_act(user: Any, union: Union, roles: Iterable[str] | None = None) -> bool:
    wanted = _wanted(roles)
    if union is None or not valid_path(union.path):
        return False
    return _reaches(grants(user), union.path, wanted)


def require_role(user: Any, union: Union, roles: Iterable[str]) -> None:
    """The actor may see ``union`` (else NotFound) and holds one of ``roles`` over it (else 403)."""
    if not can_act(user, union):
        raise NotFound()
    if not can_act(user, union, roles):
        raise PermissionDenied()
