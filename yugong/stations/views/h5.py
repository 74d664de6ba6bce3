"""Worker H5 pages: nearest list, map, station page, QR check-in, feedback."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, quote, urlencode, urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import Resolver404, resolve, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yugong.accounts.models import request_user
from yugong.core.errors import ApplicationError

from .. import checkin as checkin_rules
from .. import geo, selectors, services
from ..forms import (
    AMENITY_CHOICES,
    CheckinForm,
    FeedbackForm,
)
from ..hours import hours_display
from ..models import AMENITY_KEYS, Station, amenity_mask

# --- worker H5 ---------------------------------------------------------------------------------


def _h5(request: HttpRequest, template: str, ctx: dict[str, Any]) -> HttpResponse:
    return render(request, template, {"tab": "services", **ctx})


def _float(value: str | None) -> float | None:
    try:
        f = float(value or "")
    except ValueError:
        return None
    return f if -180 <= f <= 180 else None


def _amenities_from(request: HttpRequest) -> list[str]:
    return [a for a in request.GET.getlist("amenity") if a in AMENITY_KEYS]


def nearby(request: HttpRequest) -> HttpResponse:
    lat, lng = _float(request.GET.get("lat")), _float(request.GET.get("lng"))
    coord = request.GET.get("coord", "")
    coord = coord if coord in geo.SYSTEMS else geo.WGS84
    wanted = _amenities_from(request)
    open_now = request.GET.get("open_now") == "1"
    results: list[selectors.Nearby] = []
    located = lat is not None and lng is not None and -90 <= (lat or 0) <= 90
    if located:
        assert lat is not None and lng is not None
        results = selectors.stations_nearest(
            lat=lat, lng=lng, coord=coord, limit=20, amenities=amenity_mask(wanted), open_now=open_now
        )
    return _h5(
        request,
        "stations/nearby.html",
        {
            "results": results,
            "located": located,
            "lat": lat,
            "lng": lng,
            "coord": coord,
            "wanted": wanted,
            "open_now": open_now,
            "amenity_choices": AMENITY_CHOICES,
            "map_query": urlencode({"lat": lat, "lng": lng}) if located else "",
        },
    )


def nearby_map(request: HttpRequest) -> HttpResponse:
    return _h5(
        request,
        "stations/map.html",
        {
            "amenity_choices": AMENITY_CHOICES,
            "wanted": _amenities_from(request),
            "open_now": request.GET.get("open_now") == "1",
            "lat": _float(request.GET.get("lat")),
            "lng": _float(request.GET.get("lng")),
            "map_coord": getattr(settings, "STATION_MAP_COORD", geo.WGS84),
        },
    )


def directions(station: Station) -> list[dict[str, str]]:
    """Links that open the common Chinese map apps (or their web pages) at the station: GCJ-02 for
    高德 and 腾讯, BD-09 for 百度. Only links: nothing is fetched from these services."""
    glat, glng = geo.wgs84_to_gcj02(station.lat, station.lng)
    blat, blng = geo.wgs84_to_bd09(station.lat, station.lng)
    name = quote(station.name)
    return [
        {
            "app": _("高德地图"),
            "url": f"https://uri.amap.com/navigation?to={glng:.6f},{glat:.6f},{name}&mode=walk&coordinate=gaode&callnative=1",
        },
        {
            "app": _("百度地图"),
            "url": (
                f"https://api.map.baidu.com/direction?destination=latlng:{blat:.6f},{blng:.6f}|name:{name}"
                "&mode=walking&coord_type=bd09ll&output=html&src=yugong"
            ),
        },
        {
            "app": _("腾讯地图"),
            "url": f"https://apis.map.qq.com/uri/v1/routeplan?type=walk&to={name}&tocoord={glat:.6f},{glng:.6f}&referer=yugong",
        },
    ]


def station_page(request: HttpRequest, code: str) -> HttpResponse:
    station = selectors.station_public(code)
    honours = list(station.honours.all())
    return _h5(
        request,
        "stations/detail.html",
        {
            "station": station,
            "open_now": selectors.station_is_open(station),
            "hours_text": hours_display(station.hours),
            "honours": honours,
            "directions": directions(station),
            "feedback_form": FeedbackForm(),
            "recent_feedback": list(station.feedback.all()[:5]),
            "photos": list(station.photos.all()[:6]),
        },
    )


def checkin(request: HttpRequest, code: str) -> HttpResponse:
    """The URL in the station QR (``?t=`` the screen's or the day's token, see ``checkin.py``).
    Signed-in workers confirm with one tap (POST); the page's script adds the phone's position."""
    station = selectors.station_public(code)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), reverse("accounts:login"))
    posted = CheckinForm(request.POST if request.method == "POST" else None)
    d = posted.cleaned_data if posted.is_valid() else {}
    token = (d.get("t") if request.method == "POST" else request.GET.get("t")) or ""
    if request.method == "GET" and "/" in token:
        # The page's camera (or a pasted link) read a station QR: its URL, maybe another station's.
        target = _checkin_target(token)
        if target is None:
            messages.warning(request, _("这不是站点打卡二维码。"))
            token = ""
        else:
            return HttpResponseRedirect(target)
    done = None
    if request.method == "POST":
        try:
            done = services.checkin_create(
                user=request_user(request),
                code=station.code,
                token=token,
                lat=d["lat"],
                lng=d["lng"],
                coord=d["coord"],
            )
            station.refresh_from_db(fields=["visit_count"])
        except ApplicationError as exc:
            fields = [str(m) for msgs in exc.fields.values() for m in msgs]
            for text in fields or [str(exc.message)]:
                messages.warning(request, text)
    return _h5(
        request,
        "stations/checkin.html",
        {
            "station": station,
            "done": done,
            "token": token,
            "position_required": checkin_rules.position_required(),
            "radius_m": int(checkin_rules.radius_m()),
        },
    )


def _checkin_target(text: str) -> str | None:
    """The local check-in page a scanned station QR URL points at (path and ``t`` only, so never
    an outside redirect), or None when it is not a check-in URL."""
    parts = urlsplit(text.strip())
    try:
        match = resolve(parts.path)
    except Resolver404:
        return None
    token = parse_qs(parts.query).get("t", [""])[0]
    if match.view_name != "stations:checkin" or not token:
        return None
    return reverse("stations:checkin", args=[match.kwargs["code"]]) + "?" + urlencode({"t": token})


@require_POST
def feedback(request: HttpRequest, code: str) -> HttpResponse:
    station = selectors.station_public(code)
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("stations:detail", args=[code]), reverse("accounts:login"))
    form = FeedbackForm(request.POST)
    if form.is_valid():
        try:
            services.feedback_create(
                user=request_user(request),
                station=station,
                rating=form.cleaned_data["rating"],
                comment=form.cleaned_data["comment"],
            )
            messages.success(request, _("感谢您的评价！"))
        except ApplicationError as exc:
            messages.warning(request, str(exc.message))
    else:
        messages.warning(request, _("请选择 1 到 5 星的评分。"))
    return HttpResponseRedirect(reverse("stations:detail", args=[code]))
