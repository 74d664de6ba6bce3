"""Shared reads for the tree, employers, roles, ratings and volunteers. Every list starts from the
access layer; each function owns its ``select_related`` and stays a fixed number of queries."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from .access import CHAIR_ROLES, LEADER_ROLES, scope_filter, staff_scope, subtree_filter
from .models import (
    Employer,
    HomeRating,
    RoleAssignment,
    ServiceRecord,
    Union,
    UnionEvent,
    Volunteer,
    VolunteerTeam,
)
from .tree import ancestor_ids

EMPLOYER_PATHS = ("union__path", "managing_union__path")


def _with_has_children(qs: QuerySet[Union]) -> QuerySet[Union]:
    return qs.annotate(has_children=Exists(Union.objects.filter(parent_id=OuterRef("pk"))))


def union_roots(user: Any) -> list[Union]:
    """The outermost nodes where the user holds roles: the top of their tree browser."""
    return list(_with_has_children(staff_scope(user)))


def union_children(union: Union, *, include_inactive: bool = True) -> list[Union]:
    qs = Union.objects.filter(parent=union)
    if not include_inactive:
        qs = qs.filter(status=Union.Status.ACTIVE)
    return list(_with_has_children(qs).order_by("status", "code", "pk"))


def union_search(user: Any, q: str, *, within: Union | None = None, limit: int = 50) -> list[Union]:
    q = q.strip()
    if not q:
        return []
    qs = scope_filter(Union.objects.all(), user, path_field="path")
    if within is not None:
        qs = subtree_filter(qs, within, path_field="path")
    qs = qs.filter(Q(name__icontains=q) | Q(short_name__icontains=q) | Q(code__istartswith=q))
    return list(qs.select_related("parent").order_by("depth", "code")[:limit])


def union_ancestors(union: Union) -> list[Union]:
    """Root first, ``union`` itself excluded; one query from the path."""
    ids = ancestor_ids(union.path)
    if not ids:
        return []
    by_id = {u.pk: u for u in Union.objects.filter(pk__in=ids).only("pk", "name", "code", "path")}
    return [by_id[i] for i in ids if i in by_id]


def union_counts(union: Union) -> dict[str, int]:
    """Direct children, subtree unions, employers and staff roles: three aggregate queries,
    whatever the size of the subtree (path prefix scans on the indexed ``path``)."""
    tree = Union.objects.filter(path__startswith=union.path).aggregate(
        subtree=Count("pk"),
        active=Count("pk", filter=Q(status=Union.Status.ACTIVE)),
        children=Count("pk", filter=Q(parent_id=union.pk)),
    )
    employers = Employer.objects.filter(union__path__startswith=union.path).aggregate(
        total=Count("pk"), headcount=Coalesce(Sum("headcount"), 0)
    )
    roles = RoleAssignment.objects.filter(active=True, union__path__startswith=union.path).count()
    return {
        "children": tree["children"],
        "subtree": tree["subtree"] - 1,
        "subtree_active": tree["active"] - (1 if union.status == Union.Status.ACTIVE else 0),
        "employers": employers["total"],
        "headcount": employers["headcount"],
        "roles": roles,
    }


def union_history(union: Union, *, limit: int = 50) -> list[UnionEvent]:
    return list(UnionEvent.objects.filter(union=union).select_related("actor").order_by("-at", "-id")[:limit])


def employer_search(
    user: Any,
    *,
    q: str = "",
    union: Union | None = None,
    unionised: bool | None = None,
    industry: str = "",
    district: str = "",
) -> QuerySet[Employer]:
    """Employers covered by, or managed by, a union inside the actor's subtrees."""
    qs = scope_filter(Employer.objects.all(), user, path_field=EMPLOYER_PATHS)
    if union is not None:
        qs = qs.filter(Q(union__path__startswith=union.path) | Q(managing_union__path__startswith=union.path))
    q = q.strip()
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(uscc__istartswith=q.upper()))
    if unionised is not None:
        qs = qs.filter(unionised=unionised)
    if industry:
        qs = qs.filter(industry=industry)
    if district:
        qs = qs.filter(district=district)
    return qs.select_related("union", "managing_union").order_by("name", "pk")


def roles_visible(
    user: Any, *, union: Union | None = None, include_revoked: bool = False
) -> QuerySet[RoleAssignment]:
    """Role assignments a chair or vice-chair can see (their subtrees)."""
    qs = scope_filter(RoleAssignment.objects.all(), user, roles=CHAIR_ROLES | LEADER_ROLES)
    if union is not None:
        qs = subtree_filter(qs, union)
    if not include_revoked:
        qs = qs.filter(active=True)
    return qs.select_related("user", "union").order_by("union__path", "role", "user__username")


def home_ratings(
    user: Any, *, year: int | None = None, level: str = "", kind: str = ""
) -> QuerySet[HomeRating]:
    qs = scope_filter(HomeRating.objects.all(), user)
    if year:
        qs = qs.filter(year=year)
    if level:
        qs = qs.filter(level=level)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.select_related("union").order_by("-year", "level", "kind", "union__path")


def volunteer_teams(user: Any, *, union: Union | None = None) -> QuerySet[VolunteerTeam]:
    """Teams with their totals: volunteers on the roll, service records and minutes (subqueries, so
    the two counts do not multiply each other)."""
    qs = scope_filter(VolunteerTeam.objects.all(), user)
    if union is not None:
        qs = subtree_filter(qs, union)
    volunteers = (
        Volunteer.objects.filter(team=OuterRef("pk"), active=True)
        .order_by()
        .values("team")
        .annotate(n=Count("pk"))
        .values("n")
    )
    minutes = (
        ServiceRecord.objects.filter(team=OuterRef("pk"))
        .order_by()
        .values("team")
        .annotate(m=Sum("minutes"))
        .values("m")
    )
    return (
        qs.select_related("union", "parent")
        .annotate(
            volunteer_count=Coalesce(Subquery(volunteers, output_field=IntegerField()), Value(0)),
            total_minutes=Coalesce(Subquery(minutes, output_field=IntegerField()), Value(0)),
        )
        .order_by("union__path", "tier", "name")
    )


def team_volunteers(team: VolunteerTeam) -> QuerySet[Volunteer]:
    minutes = (
        ServiceRecord.objects.filter(volunteer=OuterRef("pk"))
        .order_by()
        .values("volunteer")
        .annotate(m=Sum("minutes"))
        .values("m")
    )
    return (
        Volunteer.objects.filter(team=team)
        .annotate(total_minutes=Coalesce(Subquery(minutes, output_field=IntegerField()), Value(0)))
        .order_by("-active", "name", "pk")
    )


def team_records(team: VolunteerTeam, *, limit: int = 100) -> list[ServiceRecord]:
    return list(
        ServiceRecord.objects.filter(team=team)
        .select_related("volunteer")
        .order_by("-served_on", "-id")[:limit]
    )
