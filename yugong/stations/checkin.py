"""What a check-in must prove (issue 12, item 9): that the worker is at the station, now.

* **A code that changes.** The station's QR carries a token signed with the server's key
  (``salted_hmac``), so it cannot be guessed from the station code:
  - the keeper's screen (``/stations/console/<pk>/screen/``) shows a token for the current window of
    ``STATION_CHECKIN_TOKEN_SECONDS`` (default 120 s) and reloads itself; a token is accepted in its
    own window and the next one (a scan made just before the screen turned over, or followed by a
    sign-in, still works);
  - the printable QR (``qr.svg``) carries the day's key (``d20261207-…``), valid on that calendar
    day in Asia/Shanghai only: print it each morning, yesterday's sheet stops working at midnight.
* **The phone's position**, WGS-84 from the browser, within ``STATION_CHECKIN_RADIUS_M`` (default
  300 m) of the station; required unless ``STATION_CHECKIN_REQUIRE_POSITION`` is False.
* **Opening hours**: the station must be open at that moment (``hours.py``; status open).
* One check-in per worker and station in any 60 minutes (``services.checkin_create``).
"""

from __future__ import annotations

import datetime as dt
import re

from django.conf import settings
from django.utils.crypto import constant_time_compare, salted_hmac

from yugong.core.timeutil import SHANGHAI

from . import geo

_SALT = "yugong.stations.checkin"
_TOKEN = re.compile(r"^(?P<kind>[wd])(?P<value>\d{1,12})-(?P<mac>[0-9a-f]{16})$", re.ASCII)
DEFAULT_TOKEN_SECONDS = 120
DEFAULT_RADIUS_M = 300


def token_seconds() -> int:
    return max(10, int(getattr(settings, "STATION_CHECKIN_TOKEN_SECONDS", DEFAULT_TOKEN_SECONDS)))


def radius_m() -> float:
    return float(getattr(settings, "STATION_CHECKIN_RADIUS_M", DEFAULT_RADIUS_M))


def position_required() -> bool:
    return bool(getattr(settings, "STATION_CHECKIN_REQUIRE_POSITION", True))


def _mac(code: str, kind: str, value: str) -> str:
    return salted_hmac(_SALT, f"{code}|{kind}{value}", algorithm="sha256").hexdigest()[:16]


def _window(at: dt.datetime) -> int:
    return int(at.timestamp()) // token_seconds()


def screen_token(code: str, at: dt.datetime) -> str:
    """The token the keeper's screen shows at ``at``."""
    value = str(_window(at))
    return f"w{value}-{_mac(code, 'w', value)}"


def daily_token(code: str, day: dt.date) -> str:
    """The token printed on the day's QR sheet."""
    value = day.strftime("%Y%m%d")
    return f"d{value}-{_mac(code, 'd', value)}"


def token_valid(code: str, token: str, at: dt.datetime) -> bool:
    match = _TOKEN.match((token or "").strip())
    if match is None:
        return False
    kind, value = match["kind"], match["value"]
    if not constant_time_compare(match["mac"], _mac(code, kind, value)):
        return False
    if kind == "w":
        return 0 <= _window(at) - int(value) <= 1
    return value == at.astimezone(SHANGHAI).strftime("%Y%m%d")


def distance_m(station_lat: float, station_lng: float, lat: float, lng: float) -> float:
    return geo.haversine_m(station_lat, station_lng, lat, lng)


def seconds_left(at: dt.datetime) -> int:
    """Seconds until the screen's token changes (the screen reloads then)."""
    period = token_seconds()
    return period - int(at.timestamp()) % period
