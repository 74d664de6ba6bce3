"""Shared reads: every staff read goes through orgs.access (outside the subtree = not found)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from django.core.cache import cache
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Q, QuerySet
from django.utils.translation import get_language

from yugong.accounts.models import User
from yugong.core.pii import blind_index
from yugong.core.timeutil import now
from yugong.core.validators import normalize_phone
from yugong.orgs import tree
from yugong.orgs.access import access_object, scope_filter, scope_paths
from yugong.orgs.models import Union

from .cache import QUEUE_CACHE_SECONDS, QUEUE_VERSION_KEY, cache_seconds, queue_cache_version
from .models import Appeal, AppealEvent, HandlingStage
from .roles import HANDLE_ROLES, VIEW_ROLES

LIST_FIELDS = ("union", "employer", "assignee")
# What a list row shows (api._out, rights/_appeal_rows.html): the long texts (facts, demand,
# outcome) and the rest stay in the database. The caller's name and phone are still read and
# decrypted (two AES-GCM operations per row, ~5 µs) because the rows show them masked.
ROW_FIELDS = (
    "id",
    "number",
    "channel",
    "category",
    "complexity",
    "status",
    "subject",
    "anonymous",
    "caller_name",
    "caller_phone",
    "employer_name",
    "district",
    "union",
    "union__name",
    "due_at",
    "due_kind",
    "created_at",
    "concluded_at",
    "closed_at",
    "amount_recovered_fen",
    "rating",
)


def appeals_visible(user: Any) -> QuerySet[Appeal]:
    return scope_filter(Appeal.objects.all(), user, path_field="union__path", roles=VIEW_ROLES)


def appeal_list(
    user: Any, *, status: str = "", category: str = "", q: str = "", union_id: int | None = None
) -> QuerySet[Appeal]:
    qs = appeals_visible(user).select_related(*LIST_FIELDS)
    if status == "open":
        qs = qs.filter(status__in=Appeal.OPEN)
    elif status:
        qs = qs.filter(status=status)
    if category:
        qs = qs.filter(category=category)
    if union_id:
        qs = qs.filter(union_id=union_id)
    q = (q or "").strip()
    if q:
        qs = qs.filter(Q(number__icontains=q) | Q(subject__icontains=q) | Q(employer_name__icontains=q))
    return qs.order_by("-created_at", "-id")


def appeal_get(user: Any, pk: Any) -> Appeal:
    return access_object(
        Appeal.objects.select_related("union", "stage", "employer", "assignee"),
        user,
        pk,
        path_field="union__path",
        roles=VIEW_ROLES,
    )


def appeal_queue(user: Any, *, kind: str, at: dt.datetime | None = None, limit: int = 50) -> QuerySet[Appeal]:
    """The supervisors' queues for the actor's subtrees: ``overdue`` (the running deadline passed),
    ``near`` (inside the warning window, not yet overdue). Most urgent first. One range scan of the
    partial deadline indexes."""
    at = at or now()
    qs = appeals_visible(user)
    if kind == "overdue":
        qs = qs.filter(due_at__lte=at)
    elif kind == "near":
        qs = qs.filter(warn_at__lte=at, due_at__gt=at)
    else:
        raise ValueError(kind)
    # One statement, two steps: the page's ids from the deadline index alone (index-only scan of
    # every queued appeal of the subtree, sorted), then the shown columns of those rows only —
    # instead of reading every queued row from the heap to sort them (EXPLAIN in the README).
    ids = qs.order_by("due_at", "id").values("id")[:limit]
    return (
        Appeal.objects.filter(pk__in=ids).select_related("union").only(*ROW_FIELDS).order_by("due_at", "id")
    )


QUEUE_COUNT_CAP = 10_000
# A queue count of at least QUEUE_COUNT_CACHE_FROM is kept this many seconds per scope and kind:
# counting 10,000 index entries of a city that fell far behind costs ~25 ms of database time, on
# every refresh of every supervisor's screen. Small counts (the usual case) stay exact.
QUEUE_COUNT_CACHE_SECONDS = 30
QUEUE_COUNT_CACHE_FROM = 1000


def _scope_digest(user: Any) -> str:
    paths = scope_paths(user, VIEW_ROLES)
    return hashlib.sha1("|".join(paths).encode(), usedforsecurity=False).hexdigest()[:16]


def _queue_count_key(user: Any, kind: str, cap: int) -> str:
    return f"rights:queue-count:v1:{kind}:{cap}:{_scope_digest(user)}"


def appeal_row(a: Appeal) -> dict[str, Any]:
    """One list row as plain data (the ``AppealOut`` shape of the API): the one place that says
    what a row shows. Reads only ``ROW_FIELDS`` (and ``union.name``); the caller's name and phone
    leave masked."""
    return {
        "id": a.pk,
        "number": a.number,
        "channel": a.channel,
        "category": a.category,
        "category_label": a.category_label,
        "complexity": a.complexity,
        "status": a.status,
        "status_label": a.status_label,
        "subject": a.subject,
        "caller_name_masked": a.masked_caller_name,
        "caller_phone_masked": a.masked_caller_phone,
        "anonymous": a.anonymous,
        "employer_name": a.employer_name,
        "district": a.district,
        "union_id": a.union_id,
        "union_name": a.union.name,
        "due_at": a.due_at,
        "due_kind": a.due_kind,
        "created_at": a.created_at,
        "concluded_at": a.concluded_at,
        "closed_at": a.closed_at,
        "amount_recovered_fen": a.amount_recovered_fen,
        "rating": a.rating,
    }


def render_json(data: Any) -> str:
    """JSON exactly as the API's renderer writes it (Django's encoder: datetimes in ISO 8601 to the
    millisecond), for answers built as plain data and sent without a second validation."""
    return json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":"))


def queue_page_json(user: Any, *, kind: str, limit: int) -> str:
    """The supervisors' queue page (``{"count", "items"}``, the API's ``AppealPage``) as JSON.

    Kept in the shared cache per (set of subtrees, kind, size, language) for QUEUE_CACHE_SECONDS
    together with the queue version it was built under (rights.cache): a hit is the request's
    grants (needed for the scope anyway) and **one** cache round trip (the version and the page
    read together), then the stored bytes are sent — no row decoding, no decryption, no schema
    validation, no serialisation. A miss reads the page (one query) and the capped count."""
    paths = scope_paths(user, VIEW_ROLES)
    if not paths:
        return render_json({"count": 0, "items": []})
    key = f"rights:queue-json:{kind}:{limit}:{get_language() or ''}:{_scope_digest(user)}"
    got = cache.get_many([QUEUE_VERSION_KEY, key])
    version = got.get(QUEUE_VERSION_KEY)
    hit = got.get(key)
    if isinstance(version, int) and isinstance(hit, tuple) and len(hit) == 2 and hit[0] == version:
        return str(hit[1])
    if not isinstance(version, int):
        version = queue_cache_version()
    rows = [appeal_row(a) for a in appeal_queue(user, kind=kind, limit=limit)]
    body = render_json({"count": appeal_queue_count(user, kind=kind), "items": rows})
    # Built under ``version``: a write meanwhile bumped it, so this entry is already stale for
    # the next reader (it compares versions) — never newer data under an older version.
    cache.set(key, (version, body), cache_seconds(QUEUE_CACHE_SECONDS))
    return body


def appeal_queue_count(
    user: Any, *, kind: str, at: dt.datetime | None = None, cap: int = QUEUE_COUNT_CAP
) -> int:
    """How many are in the queue, counted up to ``cap`` (the badge shows "10000+" beyond): a
    bounded index-only scan however far behind a city falls. "Now" counts of at least
    QUEUE_COUNT_CACHE_FROM are cached briefly (per set of subtrees, so users with the same scope
    share it); an explicit ``at`` is always counted."""
    key = _queue_count_key(user, kind, cap) if at is None else None
    if key is not None:
        cached = cache.get(key)
        if isinstance(cached, int):
            return cached
    at = at or now()
    qs = appeals_visible(user)
    qs = qs.filter(due_at__lte=at) if kind == "overdue" else qs.filter(warn_at__lte=at, due_at__gt=at)
    count = qs.order_by()[:cap].count()
    if key is not None and count >= QUEUE_COUNT_CACHE_FROM:
        cache.set(key, count, cache_seconds(QUEUE_COUNT_CACHE_SECONDS))
    return count


def caller_history(user: Any, phone: str, *, limit: int = 10) -> QuerySet[Appeal]:
    """The caller's earlier appeals in the actor's subtrees (blind-index look-up)."""
    try:
        normalized = normalize_phone(phone)
    except Exception:
        return Appeal.objects.none()
    return (
        appeals_visible(user)
        .filter(caller_phone_index=blind_index("phone", normalized))
        .select_related("union")
        .only(*ROW_FIELDS)
        .order_by("-created_at", "-id")[:limit]
    )


def worker_appeals(user: Any) -> QuerySet[Appeal]:
    """The signed-in worker's own appeals: filed from their account or under their phone."""
    if not getattr(user, "is_authenticated", False):
        return Appeal.objects.none()
    cond = Q(caller_user_id=user.pk)
    if getattr(user, "phone_index", ""):
        cond |= Q(caller_phone_index=user.phone_index)
    return Appeal.objects.filter(cond).select_related("union").order_by("-created_at", "-id")


def worker_appeal_get(user: Any, pk: Any) -> Appeal:
    from yugong.core.errors import NotFound

    try:
        return worker_appeals(user).get(pk=int(pk))
    except (Appeal.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def appeal_timeline(appeal: Appeal, *, public_only: bool = False) -> QuerySet[AppealEvent]:
    qs = AppealEvent.objects.filter(appeal=appeal).select_related("union")
    if public_only:
        qs = qs.filter(public=True)
    return qs.order_by("at", "id")


def appeal_stages(appeal: Appeal) -> QuerySet[HandlingStage]:
    return HandlingStage.objects.filter(appeal=appeal).select_related("union").order_by("seq")


# --- Who may receive an appeal: one rule for the handling page and the services -------------


def assignee_candidates(appeal: Appeal) -> QuerySet[User]:
    """Who may be made 承办人 of ``appeal``: active users holding an active handling role at the
    appeal's union or one above it (an active union). ``appeal_assign`` accepts exactly these;
    the handling page lists them."""
    return (
        User.objects.filter(
            is_active=True,
            union_roles__active=True,
            union_roles__role__in=HANDLE_ROLES,
            union_roles__union__path__in=tree.ancestor_paths(appeal.union.path),
            union_roles__union__status=Union.Status.ACTIVE,
        )
        .distinct()
        .order_by("display_name", "id")
    )


def transfer_targets(actor: User, appeal: Appeal) -> QuerySet[Union]:
    """Every union ``appeal_transfer`` accepts for ``appeal`` from ``actor`` (转办): an active
    union other than the current one, in the subtree of the current union's parent (the level
    above, siblings and everything below them; a root's own subtree) or anywhere in the actor's
    own scope."""
    source = appeal.union
    above = tree.ancestor_paths(source.path, include_self=False)
    bases = [above[-1] if above else source.path, *scope_paths(actor)]
    return Union.objects.filter(
        tree.in_subtrees(bases, path_field="path"), status=Union.Status.ACTIVE
    ).exclude(pk=source.pk)


def transfer_choices(actor: User, appeal: Appeal, *, limit: int = 200) -> list[Union]:
    """What the handling page offers: the nearby part of :func:`transfer_targets` (the level
    above, siblings and the level below either — no 分工会/小组), so every offered target is
    one the service accepts."""
    source = appeal.union
    above = tree.ancestor_paths(source.path, include_self=False)
    return list(
        transfer_targets(actor, appeal)
        .filter(
            tree.in_subtrees(above[-1] if above else source.path, path_field="path"),
            depth__lte=source.depth + 1,
        )
        .exclude(kind=Union.Kind.BRANCH)
        .order_by("path")[:limit]
    )
