from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.utils import timezone

SHANGHAI = ZoneInfo("Asia/Shanghai")


def now() -> dt.datetime:
    return timezone.now()


def local_now() -> dt.datetime:
    return timezone.now().astimezone(SHANGHAI)


def local_today() -> dt.date:
    return local_now().date()
