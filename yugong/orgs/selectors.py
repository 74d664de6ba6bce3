"""Shared reads for the tree, employers, roles, ratings and volunteers. Every list starts from the
access layer; each function owns its ``select_related`` and stays a fixed number of queries."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from yugong.core.timeutil import now

from .access import (
    CHAIR_ROLES,
    LEADER_ROLES,
    MANAGE_ROLES,
    grants,
    scope_filter,
    scope_paths,
    staff_scope,
    subtree_filter,
)
from .models import (
    LEVEL_ORDER,
    Employer,
    HomeApplication,
    HomeLevel,
    HomeNationalNomination,
    HomeRating,
    HomeScoreSheet,
    RoleAssignment,
    ServiceActivity,
    ServiceRecord,
    ServiceSignup,
    Union,
    UnionEvent,
    Volunteer,
    VolunteerTeam,
)
from .tree import ancestor_ids, chain_ids

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
    return qs.select_related("union", "national_nomination").order_by("-year", "level", "kind", "union__path")


def union_home_titles(union: Union) -> list[HomeRating]:
    """The union's own 职工之家 titles, highest level first, each with its national recommendation
    (if any): the union page's panel, one query."""
    order = {str(level): n for n, level in enumerate(reversed(LEVEL_ORDER))}
    rows = list(HomeRating.objects.filter(union=union).select_related("national_nomination"))
    rows.sort(key=lambda r: (order.get(r.level, 99), -r.year, r.kind))
    return rows


def home_nominations(user: Any, *, status: str = "") -> QuerySet[HomeNationalNomination]:
    """全国 recommendations of unions in the user's subtree."""
    qs = scope_filter(HomeNationalNomination.objects.all(), user)
    if status:
        qs = qs.filter(status=status)
    return qs.select_related("union", "rating", "recommender", "national_rating").order_by("-year", "-id")


def home_nominable(user: Any) -> list[HomeRating]:
    """市级 titles not yet recommended, of unions under a city federation where the user holds a
    managing role themselves (who may recommend them)."""
    here = [g for g in grants(user) if g.role in MANAGE_ROLES]
    cities = list(Union.objects.filter(pk__in={g.union_id for g in here}, kind="city"))
    if not cities:
        return []
    q = Q()
    for city in cities:
        q |= Q(union__path__startswith=city.path)
    return list(
        HomeRating.objects.filter(q, level=HomeLevel.CITY, national_nomination__isnull=True)
        .select_related("union")
        .order_by("-year", "union__path")[:500]
    )


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
    confirmed = ServiceRecord.objects.filter(team=OuterRef("pk"), status=ServiceRecord.Status.CONFIRMED)
    minutes = confirmed.order_by().values("team").annotate(m=Sum("minutes")).values("m")
    services = confirmed.order_by().values("team").annotate(n=Count("pk")).values("n")
    return (
        qs.select_related("union", "parent", "leader")
        .annotate(
            volunteer_count=Coalesce(Subquery(volunteers, output_field=IntegerField()), Value(0)),
            total_minutes=Coalesce(Subquery(minutes, output_field=IntegerField()), Value(0)),
            service_count=Coalesce(Subquery(services, output_field=IntegerField()), Value(0)),
        )
        .order_by("union__path", "tier", "name")
    )


def team_volunteers(team: VolunteerTeam) -> QuerySet[Volunteer]:
    minutes = (
        ServiceRecord.objects.filter(volunteer=OuterRef("pk"), status=ServiceRecord.Status.CONFIRMED)
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
        .select_related("volunteer", "activity")
        .order_by("-served_on", "-id")[:limit]
    )


# --- volunteer service (activities, sign-ups, hours) ---------------------------------------------


def open_activities(*, specialty: str = "", limit: int = 50) -> list[ServiceActivity]:
    """Activities open for sign-up that have not started, soonest first (the worker's list)."""
    qs = ServiceActivity.objects.filter(status=ServiceActivity.Status.OPEN, starts_at__gt=now())
    if specialty:
        qs = qs.filter(team__specialty=specialty)
    return list(qs.select_related("team", "team__union").order_by("starts_at", "id")[:limit])


def team_activities(team: VolunteerTeam, *, limit: int = 100) -> list[ServiceActivity]:
    return list(ServiceActivity.objects.filter(team=team).order_by("-starts_at", "-id")[:limit])


def activity_roll(activity: ServiceActivity) -> list[ServiceSignup]:
    """The live sign-ups of an activity with each volunteer and their record (one query)."""
    return list(
        ServiceSignup.objects.filter(activity=activity, status=ServiceSignup.Status.ACTIVE)
        .select_related("volunteer", "record")
        .order_by("created_at", "id")
    )


def my_signups(user: Any, *, limit: int = 50) -> list[ServiceSignup]:
    if not getattr(user, "is_authenticated", False):
        return []
    return list(
        ServiceSignup.objects.filter(user=user)
        .select_related("activity", "activity__team", "record")
        .order_by("-activity__starts_at", "-id")[:limit]
    )


def my_records(user: Any, *, limit: int = 500) -> list[ServiceRecord]:
    if not getattr(user, "is_authenticated", False):
        return []
    return list(
        ServiceRecord.objects.filter(volunteer__user=user)
        .select_related("team", "activity")
        .order_by("-served_on", "-id")[:limit]
    )


def hours_statement(user: Any) -> dict[str, Any]:
    """A volunteer's statement: confirmed records, totals per year and per team (from one query)."""
    records = [r for r in my_records(user, limit=5000) if r.status == ServiceRecord.Status.CONFIRMED]
    by_year: dict[int, int] = {}
    by_team: dict[str, int] = {}
    for r in records:
        by_year[r.served_on.year] = by_year.get(r.served_on.year, 0) + r.minutes
        by_team[r.team.name] = by_team.get(r.team.name, 0) + r.minutes
    total = sum(r.minutes for r in records)
    return {
        "records": records,
        "count": len(records),
        "total_minutes": total,
        "total_hours": round(total / 60, 1),
        "by_year": [(y, round(m / 60, 1)) for y, m in sorted(by_year.items(), reverse=True)],
        "by_team": [(t, round(m / 60, 1)) for t, m in sorted(by_team.items())],
    }


# --- 职工之家 workflow ------------------------------------------------------------------------------


def home_applications(user: Any, *, status: str = "") -> QuerySet[HomeApplication]:
    """Applications of unions in the user's subtree."""
    qs = scope_filter(HomeApplication.objects.all(), user)
    if status:
        qs = qs.filter(status=status)
    return qs.select_related("union", "reviewer", "sheet").order_by("-id")


def home_review_queue(user: Any) -> QuerySet[HomeApplication]:
    """Applications waiting at a union where the user holds a managing role themselves."""
    here = sorted({g.union_id for g in grants(user) if g.role in MANAGE_ROLES})
    return (
        HomeApplication.objects.filter(status=HomeApplication.Status.REVIEWING, reviewer_id__in=here)
        .select_related("union", "reviewer", "sheet")
        .order_by("submitted_at", "id")
    )


def home_sheets(user: Any) -> list[HomeScoreSheet]:
    """Active sheets kept by a union on the user's chain (the city's sheet serves its subtree)."""
    paths = scope_paths(user)
    ids = sorted({i for p in paths for i in chain_ids(p)})
    return list(
        HomeScoreSheet.objects.filter(active=True, union_id__in=ids).select_related("union").order_by("-id")
    )


def home_totals(user: Any, *, union: Union | None = None) -> list[dict[str, Any]]:
    """Titles by level and kind in the user's subtree (or below ``union``): one grouped query."""
    qs = scope_filter(HomeRating.objects.all(), user)
    if union is not None:
        qs = subtree_filter(qs, union)
    rows = qs.order_by().values("level", "kind").annotate(n=Count("pk"))
    counts = {(r["level"], r["kind"]): r["n"] for r in rows}
    return [
        {
            "level": level,
            "label": str(label),
            "home": counts.get((level, "home"), 0),
            "small_home": counts.get((level, "small_home"), 0),
        }
        for level, label in reversed(HomeRating.Level.choices)
    ]
