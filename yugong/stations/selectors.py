"""Reads shared by pages, API and exports (they own select_related and the query counts)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncDate

from yugong.core.errors import NotFound
from yugong.core.timeutil import SHANGHAI, local_now
from yugong.orgs.access import access_object, scope_filter, scope_q

from . import geo
from .hours import HolidayMemo
from .models import CheckIn, Inspection, Issue, Station, amenity_keys, amenity_labels
from .spatial import get_index

MAX_NEAREST = 50


def walk_settings() -> tuple[float, float]:
    speed = float(getattr(settings, "STATION_WALK_SPEED_M_PER_MIN", 80.0))
    detour = float(getattr(settings, "STATION_DETOUR_FACTOR", 1.3))
    return speed, detour


@dataclass(frozen=True)
class StationCard:
    """What a nearby-list row shows: read with ``values()`` (no JSON columns, no model instances)."""

    id: int
    code: str
    name: str
    kind: str
    address: str
    district: str
    lat: float
    lng: float
    amenities: int
    rating_sum: int
    rating_count: int

    @property
    def pk(self) -> int:
        return self.id

    @property
    def rating(self) -> float | None:
        return round(self.rating_sum / self.rating_count, 1) if self.rating_count else None

    @property
    def amenity_list(self) -> list[str]:
        return amenity_keys(self.amenities)

    @property
    def amenity_names(self) -> list[str]:
        return amenity_labels(self.amenities)


CARD_FIELDS = tuple(StationCard.__dataclass_fields__)
# One fixed statement (the ORM's query building costs more CPU than the query itself here).
_CARD_SQL = "SELECT {cols} FROM {table} WHERE id IN ({marks})"  # noqa: S608 - identifiers from model meta


def _cards(ids: list[int]) -> list[StationCard]:
    from django.db import connection

    if not ids:
        return []
    cols = ", ".join(CARD_FIELDS)  # plain fields: column name = field name
    sql = _CARD_SQL.format(cols=cols, table=Station._meta.db_table, marks=", ".join(["%s"] * len(ids)))
    with connection.cursor() as cursor:
        cursor.execute(sql, ids)
        return [StationCard(*row) for row in cursor.fetchall()]


@dataclass
class Nearby:
    station: StationCard
    distance_m: float
    walk_minutes: int
    open_now: bool


def stations_nearest(
    *,
    lat: float,
    lng: float,
    coord: str = geo.WGS84,
    limit: int = 10,
    amenities: int = 0,
    open_now: bool = False,
    when: dt.datetime | None = None,
) -> list[Nearby]:
    """The nearest open-status stations to a point (given in ``coord``), one database query."""
    wlat, wlng = geo.to_wgs84(lat, lng, coord)
    limit = max(1, min(int(limit), MAX_NEAREST))
    when = (when or local_now()).astimezone(SHANGHAI)
    holiday = HolidayMemo()
    index = get_index()
    hits = index.nearest(
        wlat, wlng, limit, amenity_mask=amenities, open_at=when if open_now else None, holiday=holiday
    )
    if not hits:
        return []
    rows = {card.id: card for card in _cards([h.station_id for h in hits])}
    speed, detour = walk_settings()
    out = []
    for h in hits:
        station = rows.get(h.station_id)
        if station is None:  # deleted since the index was built
            continue
        out.append(
            Nearby(
                station=station,
                distance_m=h.distance_m,
                walk_minutes=geo.walk_minutes(h.distance_m, speed_m_per_min=speed, detour=detour),
                open_now=True if open_now else index.is_open(h.index, when, holiday),
            )
        )
    return out


def station_is_open(station: Station, when: dt.datetime | None = None) -> bool:
    from .hours import compile_schedule, is_open_at

    if station.status != Station.Status.OPEN:
        return False
    schedule = compile_schedule(station.hours, station.holiday_hours, station.exception_dates)
    return is_open_at(schedule, when or local_now())


def station_public(code: str) -> Station:
    station = Station.objects.filter(code=code).exclude(status=Station.Status.CLOSED).first()
    if station is None:
        raise NotFound()
    return station


def stations_visible(user: Any) -> QuerySet[Station]:
    """Stations of the user's subtrees (staff), or that they keep."""
    cond = scope_q(user)
    keeper = Q(keepers=user) if getattr(user, "pk", None) else Q(pk__in=[])
    if cond is None:
        return Station.objects.filter(keeper).select_related("union").distinct()
    if getattr(user, "kept_stations", None) is not None and user.kept_stations.exists():
        return Station.objects.filter(cond | keeper).select_related("union").distinct()
    return Station.objects.filter(cond).select_related("union")


def stations_search(
    user: Any,
    *,
    q: str = "",
    kind: str = "",
    status: str = "",
    district: str = "",
    union_id: int | None = None,
) -> QuerySet[Station]:
    qs = scope_filter(Station.objects.select_related("union"), user)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(code__icontains=q) | Q(address__icontains=q))
    if kind:
        qs = qs.filter(kind=kind)
    if status:
        qs = qs.filter(status=status)
    if district:
        qs = qs.filter(district=district)
    if union_id:
        qs = qs.filter(union_id=union_id)
    return qs.order_by("code")


def station_access(user: Any, pk: Any) -> Station:
    """A station inside the actor's subtrees (404 otherwise, same as missing)."""
    return access_object(Station.objects.select_related("union"), user, pk)


def station_access_keep(user: Any, pk: Any) -> Station:
    """A station the actor manages (staff in the subtree) or keeps; 404 otherwise."""
    try:
        return stations_visible(user).get(pk=int(pk))
    except (Station.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def station_inspections(station: Station, limit: int = 50) -> list[Inspection]:
    return list(station.inspections.select_related("inspector")[:limit])


def station_issues(station: Station) -> list[Issue]:
    return list(station.issues.select_related("raised_by", "closed_by"))


def issue_access(user: Any, pk: Any) -> Issue:
    try:
        issue = Issue.objects.select_related("station__union").get(pk=int(pk))
    except (Issue.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None
    station_access_keep(user, issue.station_id)
    return issue


def visit_stats(station: Station, *, days: int = 30, today: dt.date | None = None) -> dict[str, Any]:
    """Check-ins per local day over the last ``days`` days, plus totals (two queries)."""
    today = today or local_now().date()
    start = today - dt.timedelta(days=days - 1)
    start_at = dt.datetime.combine(start, dt.time.min, tzinfo=SHANGHAI)
    per_day = dict(
        CheckIn.objects.filter(station=station, at__gte=start_at)
        .annotate(day=TruncDate("at", tzinfo=SHANGHAI))
        .values("day")
        .annotate(n=Count("id"))
        .values_list("day", "n")
    )
    totals = CheckIn.objects.filter(station=station).aggregate(
        checkins=Count("id"), visitors=Count("user", distinct=True)
    )
    series = [
        {
            "day": (start + dt.timedelta(days=i)).isoformat(),
            "checkins": per_day.get(start + dt.timedelta(days=i), 0),
        }
        for i in range(days)
    ]
    return {
        "checkins": totals["checkins"],
        "visitors": totals["visitors"],
        "last_days": sum(d["checkins"] for d in series),
        "series": series,
    }


def station_feature(station: Station, coord: str = geo.WGS84) -> dict[str, Any]:
    lat, lng = geo.from_wgs84(station.lat, station.lng, coord)
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [round(lng, 7), round(lat, 7)]},
        "properties": {
            "id": station.pk,
            "code": station.code,
            "name": station.name,
            "kind": station.kind,
            "status": station.status,
            "district": station.district,
            "address": station.address,
            "amenities": station.amenity_list,
            "union_id": station.union_id,
        },
    }


def stations_geojson(qs: QuerySet[Station], coord: str = geo.WGS84) -> dict[str, Any]:
    return {
        "type": "FeatureCollection",
        "features": [station_feature(s, coord) for s in qs.iterator(chunk_size=2000)],
    }


def coverage_for_region(
    region: dict[str, Any],
    *,
    cell_m: float = 100.0,
    minutes: float | None = None,
    candidates: list[list[float]] | None = None,
    k: int = 0,
) -> Any:
    """Coverage of ``region`` by all open stations (geography knows no union boundaries)."""
    from .coverage import coverage_compute, default_candidates, plan_sites

    index = get_index()
    result = coverage_compute(region, index.lats, index.lngs, cell_m=cell_m, minutes=minutes)
    if k > 0:
        result.plan = plan_sites(result, candidates if candidates else default_candidates(result), k)
    return result
