"""Shared reads for activities."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from yugong.core import timeutil
from yugong.core.errors import NotFound
from yugong.core.validators import is_ascii_digits

from . import draw, signup_rules
from .models import Activity, SignUp


def open_activities() -> QuerySet[Activity]:
    return (
        Activity.objects.exclude(status__in=(Activity.Status.DRAFT, Activity.Status.CANCELLED))
        .select_related("union")
        .order_by("-signup_opens_at", "-id")
    )


def public_activity(pk: Any) -> Activity:
    activity = open_activities().filter(pk=pk).first() if is_ascii_digits(str(pk)) else None
    if activity is None:
        raise NotFound()
    return activity


def my_signups(user: Any) -> QuerySet[SignUp]:
    return (
        SignUp.objects.filter(person__user_id=user.pk)
        .select_related("activity", "activity__union")
        .order_by("-id")
    )


def with_phase(activities: Iterable[Activity]) -> list[Activity]:
    """The activities with ``phase`` and ``phase_label`` set: where each stands for a worker now
    (``signup_rules.signup_phase``: 报名中 exactly when a sign-up would go through)."""
    at = timeutil.now()
    rows = list(activities)
    for a in rows:
        a.phase = signup_rules.signup_phase(  # type: ignore[attr-defined]
            status=a.status, opens=a.signup_opens_at, closes=a.signup_closes_at, at=at
        )
        a.phase_label = signup_rules.phase_label(a.phase)  # type: ignore[attr-defined]
    return rows


def draw_list(activity: Activity) -> QuerySet[SignUp, tuple[int, int | None, int, bool]]:
    """The published list: (sign-up number, pool — None for the organiser's own places —, prior
    wins, won at the draw), by number. No names."""
    return (
        SignUp.objects.filter(activity=activity, in_draw=True)
        .order_by("id")
        .values_list("id", "quota_id", "prior_wins", "won_at_draw")
    )


def draw_entry(activity: Activity, number: Any) -> tuple[int, int, int, bool] | None:
    """One sign-up number's line of the published list (anyone may look any number up)."""
    if not is_ascii_digits(str(number)) or len(str(number)) > 18:
        return None
    row = draw_list(activity).filter(id=int(number)).first()
    return None if row is None else (row[0], row[1] or 0, row[2], row[3])


@dataclass(frozen=True)
class DrawPool:
    pool: int  # the quota id, 0 for the organiser's own places (as in the published list)
    label: str
    places: int
    entries: int
    winners: int


def draw_pools(activity: Activity) -> list[DrawPool]:
    """Each pool the draw cut: who holds it, its places (what a re-computation needs), how many
    entered it and won. Two queries."""
    quotas = list(activity.quotas.select_related("union").order_by("union__path", "pk"))
    places = draw.places_of(activity, quotas)
    counts = {
        (q or 0): (n, w)
        for q, n, w in SignUp.objects.filter(activity=activity, in_draw=True)
        .order_by()
        .values_list("quota_id")
        .annotate(n=Count("id"), w=Count("id", filter=Q(won_at_draw=True)))
    }
    labels = {q.pk: q.union.name for q in quotas}
    labels[0] = _("%(union)s（主办方名额）") % {"union": activity.union.name}
    return [
        DrawPool(pool, labels[pool], places[pool], *counts.get(pool, (0, 0)))
        for pool in [0, *(q.pk for q in quotas)]
        if places[pool] or pool in counts
    ]


RECORD_CHUNK = 5000  # entries per piece of the published record


def record_head(activity: Activity) -> dict[str, Any]:
    """The published record without its entries: the commitment, the seed, the weighting and each
    pool's places (``lottery.check_published`` reads these)."""
    return {
        "activity": activity.pk,
        "title": activity.title,
        "seed_hash": activity.seed_hash,
        "seed": activity.seed,
        "penalty_pct": activity.repeat_penalty_pct,
        "drawn_at": activity.drawn_at.astimezone(timeutil.SHANGHAI).isoformat()
        if activity.drawn_at
        else None,
        "pools": {
            str(pool): n for pool, n in sorted(draw.places_of(activity, activity.quotas.all()).items())
        },
    }


def published_record(activity: Activity) -> Iterator[str]:
    """The draw's published record as JSON text, in pieces (a city-wide draw lists 100,000
    entries): what ``lottery.py`` re-computes on anyone's computer. Keys: ``activity``, ``title``,
    ``seed_hash``, ``seed``, ``penalty_pct``, ``drawn_at``, ``pools`` (pool -> places) and
    ``entries`` (``[number, pool, prior wins, won]`` in number order)."""
    yield json.dumps(record_head(activity), ensure_ascii=False)[:-1] + ', "entries": ['
    sep, lines = "\n", []
    for n, q, w, won in draw_list(activity).iterator(chunk_size=RECORD_CHUNK):
        lines.append(f"[{n}, {q or 0}, {w}, {'true' if won else 'false'}]")
        if len(lines) == RECORD_CHUNK:
            yield sep + ",\n".join(lines)
            sep, lines = ",\n", []
    if lines:
        yield sep + ",\n".join(lines)
    yield "\n]}\n"


def staff_activities(user: Any) -> QuerySet[Activity]:
    """Activities an officer organises, or in which their subtree holds a quota."""
    from yugong.orgs import access

    return (
        access.scope_filter(Activity.objects.all(), user, path_field=("union_path", "quotas__union_path"))
        .select_related("union")
        .order_by("-signup_opens_at", "-id")
    )


def staff_activity(user: Any, pk: Any) -> Activity:
    from yugong.orgs import access

    return access.access_object(
        Activity.objects.select_related("union"), user, pk, path_field=("union_path", "quotas__union_path")
    )


def status_counts(activity: Activity) -> dict[str, int]:
    from django.db.models import Count

    rows = SignUp.objects.filter(activity=activity).values_list("status").annotate(n=Count("id"))
    return {str(SignUp.Status(s).label): n for s, n in rows}


def attendance(activity: Activity) -> dict[str, int]:
    """Winners, checked in, no-shows: one query."""
    from django.db.models import Count, Q

    row = SignUp.objects.filter(activity=activity, status=SignUp.Status.WON).aggregate(
        won=Count("pk"),
        checked_in=Count("pk", filter=Q(checked_in_at__isnull=False)),
        no_show=Count("pk", filter=Q(no_show=True)),
    )
    return {k: int(v or 0) for k, v in row.items()}


def group_candidates(activity: Activity, union_id: int, *, limit: int = 300) -> list[Any]:
    """Active members of ``union_id``'s subtree not yet signed up (the caller checked the union is
    the officer's), by name."""
    from yugong.members.models import Membership
    from yugong.orgs.models import Union

    union = Union.objects.filter(pk=union_id).only("path").first()
    if union is None:
        return []
    taken = SignUp.objects.filter(activity=activity).values("person_id")
    return list(
        Membership.objects.filter(status=Membership.Status.ACTIVE, union_path__startswith=union.path)
        .exclude(person_id__in=taken)
        .select_related("union")
        .order_by("person_name", "pk")[:limit]
    )
