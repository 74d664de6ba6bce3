"""Writes for stations: one function per state change — validate, check access, write, audit,
record facts, and bump the nearest-station index, in one transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from yugong.accounts.models import User
from yugong.core.audit import audit_record, diff, snapshot
from yugong.core.errors import Conflict, NotFound, PermissionDenied, RateLimited, ValidationFailed
from yugong.core.facts import fact_record, fact_set
from yugong.core.timeutil import now as tz_now
from yugong.orgs.access import MANAGE_ROLES, can_act, require_role, staff_scope
from yugong.orgs.models import Union

from . import checkin as rules
from . import geo
from .hours import HoursError, hours_display, normalize_exceptions, normalize_holiday_hours, normalize_hours
from .models import AMENITY_KEYS, CheckIn, Feedback, Inspection, Issue, Station, StationHonour, amenity_mask
from .selectors import station_is_open
from .spatial import bump_index_version

# Chongqing municipality, generously (south, west, north, east) in WGS-84.
DEFAULT_REGION_BBOX = (28.10, 105.20, 32.25, 110.25)
EDITABLE = (
    "code",
    "name",
    "kind",
    "host",
    "address",
    "district",
    "lat",
    "lng",
    "hours",
    "holiday_hours",
    "exception_dates",
    "amenities",
    "contact_name",
    "contact_phone",
    "status",
)


def region_bbox() -> tuple[float, float, float, float]:
    bbox = getattr(settings, "STATION_REGION_BBOX", DEFAULT_REGION_BBOX)
    return (float(bbox[0]), float(bbox[1]), float(bbox[2]), float(bbox[3]))


def _index_changed() -> None:
    # Bump now (this process's next query rebuilds) and again after commit (so a rebuild that read
    # the database before the commit is not kept under the new version).
    bump_index_version()
    transaction.on_commit(bump_index_version)


def clean_station_data(
    data: Mapping[str, Any], *, coord: str = geo.WGS84, partial: bool = False
) -> dict[str, Any]:
    """Validate and normalise station fields; raises ``ValidationFailed`` naming every bad field.

    ``lat``/``lng`` are in ``coord`` (wgs84 or gcj02) and come back in WGS-84. ``amenities`` may be
    a bitmask or a list of keys."""
    errors: dict[str, Any] = {}
    out: dict[str, Any] = {}

    def text(name: str, max_len: int, required: bool) -> None:
        if name not in data:
            if required and not partial:
                errors[name] = _("此项为必填。")
            return
        value = str(data.get(name) or "").strip()
        if required and not value:
            errors[name] = _("此项为必填。")
        elif len(value) > max_len:
            errors[name] = _("长度不能超过 %(n)s 个字符。") % {"n": max_len}
        else:
            out[name] = value

    text("code", 24, True)
    text("name", 120, True)
    text("address", 200, True)
    text("district", 40, True)
    text("host", 120, False)
    text("contact_name", 40, False)
    text("contact_phone", 20, False)
    if "code" in out and not all(c.isalnum() or c in "-_" for c in out["code"]):
        errors["code"] = _("站点编码只能包含字母、数字、“-”和“_”。")
    if "kind" in data:
        if data["kind"] not in Station.Kind.values:
            errors["kind"] = _("不是允许的取值。")
        else:
            out["kind"] = data["kind"]
    if "status" in data:
        if data["status"] not in Station.Status.values:
            errors["status"] = _("不是允许的取值。")
        else:
            out["status"] = data["status"]
    if coord not in geo.SYSTEMS:
        errors["coord"] = _("坐标系应为 wgs84 或 gcj02。")
    if "lat" in data or "lng" in data or not partial:
        try:
            lat, lng = float(data["lat"]), float(data["lng"])
        except (KeyError, TypeError, ValueError):
            errors["lat"] = _("请填写有效的经纬度。")
        else:
            if coord in geo.SYSTEMS:
                lat, lng = geo.to_wgs84(lat, lng, coord)
            south, west, north, east = region_bbox()
            if not (south <= lat <= north and west <= lng <= east):
                errors["lat"] = _("坐标（%(lat).5f, %(lng).5f）不在本地区范围内，请检查经纬度是否填反。") % {
                    "lat": lat,
                    "lng": lng,
                }
            out["lat"], out["lng"] = round(lat, 7), round(lng, 7)
    if "hours" in data or not partial:
        try:
            out["hours"] = normalize_hours(data.get("hours"))
        except HoursError as exc:
            errors["hours"] = str(exc)
    if "holiday_hours" in data:
        try:
            out["holiday_hours"] = normalize_holiday_hours(data["holiday_hours"])
        except HoursError as exc:
            errors["holiday_hours"] = str(exc)
    if "exception_dates" in data:
        try:
            out["exception_dates"] = normalize_exceptions(data["exception_dates"])
        except HoursError as exc:
            errors["exception_dates"] = str(exc)
    if "amenities" in data:
        value = data["amenities"]
        if isinstance(value, int) and not isinstance(value, bool):
            if value < 0 or value & ~sum(AMENITY_KEYS.values()):
                errors["amenities"] = _("服务设施取值无效。")
            else:
                out["amenities"] = value
        else:
            try:
                out["amenities"] = amenity_mask(value)
            except (KeyError, TypeError):
                errors["amenities"] = _("未知的服务设施，可选：%(keys)s。") % {
                    "keys": "、".join(AMENITY_KEYS)
                }
    if errors:
        raise ValidationFailed(fields=errors)
    return out


def _require_manage(actor: User, union: Union) -> None:
    require_role(actor, union, MANAGE_ROLES)


def _facts_created(station: Station) -> None:
    fact_record(metric="stations.created", union_id=station.union_id, dim=f"kind:{station.kind}")
    fact_record(metric="stations.created", union_id=station.union_id, dim=f"district:{station.district}")


@transaction.atomic
def station_create(
    *,
    actor: User,
    union: Union,
    data: Mapping[str, Any],
    coord: str = geo.WGS84,
    honours: list[tuple[int, str]] | None = None,
    audit: bool = True,
) -> Station:
    _require_manage(actor, union)
    clean = clean_station_data(data, coord=coord)
    if Station.objects.filter(code=clean["code"]).exists():
        raise ValidationFailed(fields={"code": _("站点编码“%(c)s”已存在。") % {"c": clean["code"]}})
    station = Station(union=union, **clean)
    try:
        with transaction.atomic():
            station.save()
    except IntegrityError:
        raise ValidationFailed(fields={"code": _("站点编码“%(c)s”已存在。") % {"c": clean["code"]}}) from None
    for year, level in honours or []:
        StationHonour.objects.get_or_create(station=station, year=year, level=level)
    if audit:
        audit_record(
            actor=actor,
            action="stations.station.create",
            obj=station,
            union_id=union.pk,
            changes={k: [None, v] for k, v in clean.items() if k not in ("hours", "exception_dates")},
        )
    _facts_created(station)
    _index_changed()
    return station


@transaction.atomic
def station_update(
    *,
    actor: User,
    station: Station,
    data: Mapping[str, Any],
    coord: str = geo.WGS84,
    union: Union | None = None,
) -> Station:
    station = Station.objects.select_for_update().select_related("union").get(pk=station.pk)
    _require_manage(actor, station.union)
    clean = clean_station_data(data, coord=coord, partial=True)
    if (
        "code" in clean
        and clean["code"] != station.code
        and Station.objects.filter(code=clean["code"]).exists()
    ):
        raise ValidationFailed(fields={"code": _("站点编码“%(c)s”已存在。") % {"c": clean["code"]}})
    before = snapshot(station, EDITABLE)
    if union is not None and union.pk != station.union_id:
        _require_manage(actor, union)
        before["union"] = station.union_id
        station.union = union
    for key, value in clean.items():
        setattr(station, key, value)
    station.save()
    after = snapshot(station, EDITABLE)
    if union is not None:
        after["union"] = station.union_id
    changes = diff(before, after)
    if changes:
        audit_record(
            actor=actor,
            action="stations.station.update",
            obj=station,
            union_id=station.union_id,
            changes=changes,
        )
        _index_changed()
    return station


def station_set_status(*, actor: User, station: Station, status: str) -> Station:
    return station_update(actor=actor, station=station, data={"status": status})


@transaction.atomic
def station_honour_add(*, actor: User, station: Station, year: int, level: str) -> StationHonour:
    _require_manage(actor, station.union)
    if level not in StationHonour.Level.values:
        raise ValidationFailed(fields={"level": _("不是允许的取值。")})
    if not (2000 <= year <= 2100):
        raise ValidationFailed(fields={"year": _("年度无效。")})
    honour, created = StationHonour.objects.get_or_create(station=station, year=year, level=level)
    if created:
        audit_record(
            actor=actor,
            action="stations.honour.add",
            obj=station,
            union_id=station.union_id,
            extra={"year": year, "level": level},
        )
    return honour


@transaction.atomic
def station_keeper_add(*, actor: User, station: Station, user: Any) -> None:
    _require_manage(actor, station.union)
    station.keepers.add(user)
    audit_record(
        actor=actor,
        action="stations.keeper.add",
        obj=station,
        union_id=station.union_id,
        extra={"user": user.pk},
    )


@transaction.atomic
def station_photo_add(*, actor: User, station: Station, image: Any, caption: str = "") -> Any:
    from django.core.exceptions import ValidationError

    from .models import StationPhoto

    _require_keep(actor, station)
    photo = StationPhoto(station=station, image=image, caption=(caption or "").strip()[:80])
    try:
        photo.full_clean(exclude=["station"])
    except ValidationError as exc:
        raise ValidationFailed(fields={"image": _("请上传 jpg、png 或 webp 格式的照片。")}) from exc
    if getattr(image, "size", 0) > 5 * 1024 * 1024:
        raise ValidationFailed(fields={"image": _("照片不能超过 5 MB。")})
    photo.save()
    audit_record(actor=actor, action="stations.photo.add", obj=station, union_id=station.union_id)
    return photo


# --- Workers ---------------------------------------------------------------------------------


def _checkin_check(
    station: Station, *, token: str, lat: float | None, lng: float | None, coord: str, at: dt.datetime
) -> None:
    if not rules.token_valid(station.code, token, at):
        raise ValidationFailed(
            fields={"token": _("二维码已过期或无效，请扫描站点屏幕上的二维码或当天张贴的二维码。")}
        )
    if lat is None or lng is None:
        if rules.position_required():
            raise ValidationFailed(fields={"position": _("请允许获取您的位置后再打卡。")})
    else:
        if coord not in geo.SYSTEMS:
            raise ValidationFailed(fields={"coord": _("坐标系无效。")})
        if not (-90 <= lat <= 90 and -180 <= lng <= 180):
            raise ValidationFailed(fields={"position": _("位置无效。")})
        wlat, wlng = geo.to_wgs84(lat, lng, coord)
        away = rules.distance_m(station.lat, station.lng, wlat, wlng)
        if away > rules.radius_m():
            raise ValidationFailed(
                fields={
                    "position": _("您距离本站约 %(away)s 米，需在 %(radius)s 米以内才能打卡。")
                    % {"away": int(round(away)), "radius": int(rules.radius_m())}
                }
            )
    if not station_is_open(station, at):
        raise Conflict(
            _("本站现在不开放，不能打卡（开放时间：%(hours)s）。") % {"hours": hours_display(station.hours)}
        )


def _hour(at: dt.datetime) -> int:
    return int(at.timestamp() // 3600)


@transaction.atomic
def checkin_create(
    *,
    user: Any,
    code: str,
    token: str,
    lat: float | None = None,
    lng: float | None = None,
    coord: str = geo.WGS84,
    at: dt.datetime | None = None,
) -> CheckIn:
    """A signed-in worker scanned the station QR. Refused unless the QR's token is current (the
    keeper's screen or the day's printed sheet, see ``checkin.py``), the phone is within the radius
    of the station (when positions are required) and the station is open now. At most one check-in
    per worker and station in any 60 minutes (a repeat is refused with 429); visits counted on the
    station and as facts."""
    if not getattr(user, "is_authenticated", False):
        raise PermissionDenied()
    station = Station.objects.filter(code=code).exclude(status=Station.Status.CLOSED).first()
    if station is None:
        raise NotFound()
    at = at or tz_now()
    _checkin_check(station, token=token, lat=lat, lng=lng, coord=coord, at=at)
    recent = CheckIn.objects.filter(user=user, station=station, at__gt=at - dt.timedelta(hours=1)).exists()
    if recent:
        raise RateLimited(_("您在一小时内已在本站打过卡。"))
    try:
        with transaction.atomic():
            checkin = CheckIn.objects.create(station=station, user=user, at=at, hour=_hour(at))
    except IntegrityError:
        raise RateLimited(_("您在一小时内已在本站打过卡。")) from None
    Station.objects.filter(pk=station.pk).update(visit_count=F("visit_count") + 1)
    audit_record(actor=user, action="stations.checkin", obj=station, union_id=station.union_id)
    fact_record(metric="stations.checkins", union_id=station.union_id, dim=f"kind:{station.kind}")
    first = not CheckIn.objects.filter(user=user, station=station).exclude(pk=checkin.pk).exists()
    if first:
        fact_record(metric="stations.visitors", union_id=station.union_id)
    checkin.station = station
    return checkin


@transaction.atomic
def feedback_create(*, user: Any, station: Station, rating: int, comment: str = "") -> Feedback:
    if not getattr(user, "is_authenticated", False):
        raise PermissionDenied()
    errors = {}
    if not isinstance(rating, int) or isinstance(rating, bool) or not (1 <= rating <= 5):
        errors["rating"] = _("评分应为 1 到 5 星。")
    comment = (comment or "").strip()
    if len(comment) > 500:
        errors["comment"] = _("长度不能超过 %(n)s 个字符。") % {"n": 500}
    if errors:
        raise ValidationFailed(fields=errors)
    if station.status == Station.Status.CLOSED:
        raise Conflict(_("该站点已关闭。"))
    feedback = Feedback.objects.create(station=station, user=user, rating=rating, comment=comment)
    audit_record(
        actor=user,
        action="stations.feedback",
        obj=station,
        union_id=station.union_id,
        extra={"rating": rating},
    )
    Station.objects.filter(pk=station.pk).update(
        rating_count=F("rating_count") + 1, rating_sum=F("rating_sum") + rating
    )
    fact_record(metric="stations.feedback", union_id=station.union_id, dim=f"rating:{rating}")
    return feedback


# --- Keepers and staff -------------------------------------------------------------------------


def can_keep(user: Any, station: Station) -> bool:
    """Staff managing the station's union, or one of the station's keepers."""
    if can_act(user, station.union, MANAGE_ROLES):
        return True
    return bool(getattr(user, "pk", None)) and station.keepers.filter(pk=user.pk).exists()


def _require_keep(user: Any, station: Station) -> None:
    if not can_keep(user, station):
        if can_act(user, station.union):
            raise PermissionDenied()
        raise NotFound()


@transaction.atomic
def inspection_record(
    *,
    actor: User,
    station: Station,
    water_stocked: bool,
    first_aid_in_date: bool,
    is_clean: bool,
    notes: str = "",
) -> Inspection:
    _require_keep(actor, station)
    notes = (notes or "").strip()
    if len(notes) > 500:
        raise ValidationFailed(fields={"notes": _("长度不能超过 %(n)s 个字符。") % {"n": 500}})
    inspection = Inspection.objects.create(
        station=station,
        inspector=actor,
        water_stocked=water_stocked,
        first_aid_in_date=first_aid_in_date,
        is_clean=is_clean,
        notes=notes,
    )
    audit_record(
        actor=actor,
        action="stations.inspection.record",
        obj=station,
        union_id=station.union_id,
        extra={"inspection": inspection.pk, "passed": inspection.passed},
    )
    fact_record(
        metric="stations.inspections",
        union_id=station.union_id,
        dim="passed" if inspection.passed else "failed",
    )
    return inspection


@transaction.atomic
def issue_raise(*, actor: User, station: Station, title: str, description: str = "") -> Issue:
    _require_keep(actor, station)
    title, description = (title or "").strip(), (description or "").strip()
    errors = {}
    if not title:
        errors["title"] = _("此项为必填。")
    elif len(title) > 120:
        errors["title"] = _("长度不能超过 %(n)s 个字符。") % {"n": 120}
    if len(description) > 1000:
        errors["description"] = _("长度不能超过 %(n)s 个字符。") % {"n": 1000}
    if errors:
        raise ValidationFailed(fields=errors)
    issue = Issue.objects.create(station=station, title=title, description=description, raised_by=actor)
    audit_record(actor=actor, action="stations.issue.raise", obj=issue, union_id=station.union_id)
    return issue


@transaction.atomic
def issue_close(*, actor: User, issue: Issue, resolution: str = "") -> Issue:
    issue = Issue.objects.select_for_update().select_related("station__union").get(pk=issue.pk)
    _require_keep(actor, issue.station)
    if issue.status == Issue.Status.CLOSED:
        raise Conflict(_("该问题已关闭。"))
    resolution = (resolution or "").strip()
    if len(resolution) > 1000:
        raise ValidationFailed(fields={"resolution": _("长度不能超过 %(n)s 个字符。") % {"n": 1000}})
    issue.status = Issue.Status.CLOSED
    issue.closed_by = actor
    issue.closed_at = tz_now()
    issue.resolution = resolution
    issue.save(update_fields=["status", "closed_by", "closed_at", "resolution"])
    audit_record(
        actor=actor,
        action="stations.issue.close",
        obj=issue,
        union_id=issue.station.union_id,
        changes={"status": ["open", "closed"]},
    )
    return issue


@transaction.atomic
def coverage_snapshot_record(*, actor: User, result: Any, region: Any = None) -> Union | None:
    """Coverage is a level, not an event: each analysis a staff member runs is kept as the day's
    figure for the union they act for (their outermost node), in permille — covered by at least
    one open station and by at least two (cross coverage) — so the cockpit can show the trend.
    Returns that union (None for a user without a node role: nothing is recorded)."""
    union = staff_scope(actor).first()
    if union is None:
        return None
    props = region.get("properties") if isinstance(region, dict) else None
    name = props.get("name") if isinstance(props, dict) else None
    dim = str(name or "region")[:64]
    fact_set(
        metric="stations.coverage_permille",
        union_id=union.pk,
        dim=dim,
        value=round(result.covered_share * 1000),
    )
    fact_set(
        metric="stations.cross_coverage_permille",
        union_id=union.pk,
        dim=dim,
        value=round(result.cross_share * 1000),
    )
    audit_record(
        actor=actor,
        action="stations.coverage",
        union_id=union.pk,
        extra={"region": dim, "cells": result.cells, "covered": result.covered, "cross": result.cross},
    )
    return union
