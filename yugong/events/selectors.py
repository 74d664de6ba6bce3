"""Shared reads for activities."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from yugong.core.errors import NotFound
from yugong.core.validators import is_ascii_digits

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


def draw_list(activity: Activity) -> list[tuple[int, int, int, bool]]:
    """The published list: (sign-up number, pool, prior wins, won at the draw), by number. No names."""
    return [
        (n, q or 0, w, won)
        for n, q, w, won in SignUp.objects.filter(activity=activity, in_draw=True)
        .order_by("id")
        .values_list("id", "quota_id", "prior_wins", "won_at_draw")
    ]


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
