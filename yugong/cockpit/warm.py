"""Warming the cache after a refresh: the screens leaders open first are computed once, by the
worker that folded the facts, instead of by the first leader who opens them.

What is warmed: for every root of the tree and each of its direct children (the districts), the
summary of this year and of this month "as it stood" (the desk's and the big screen's headline, the
API's ``summary``); for each root, the child ranking and the year's trend of the ranking metric.
``COCKPIT_WARM=0`` turns it off; ``COCKPIT_WARM_NODES`` bounds the number of nodes.

When: from the periodic ``cockpit-refresh`` job (Celery beat every minute, or ``manage.py
cockpit_rollup --refresh`` from cron), when no fact waits to be folded and the figures changed since
the last warm (:func:`warm_if_settled`) — never after a refresh in a request's worker: while facts
flow (a busy gate) every refresh, seconds apart, drops what a warm computed, so warming then was
pure cost (issue 19: ~21 % of a gate worker's CPU at 20,000 members, 2026-12-06 profile). And at
most once per ``COCKPIT_WARM_SECONDS`` (default 60) across every process, through a lease in the
shared cache (:func:`warm_due`). Below: the history of that interval. A refresh comes every ``COCKPIT_REFRESH_SECONDS`` (2)
per process while facts flow, and one warm at 20,000 members costs ~5 s of CPU and ~20 s of wall
time (64 nodes, ~900 aggregate statements): warming on every refresh kept a gate's web workers (no
broker: the refresh is delivered in-process) or a Celery worker busy with it all the time — the
pass-verification benchmark spent 63 ms of CPU per request on it (issue 19). The refresh still
drops the cached figures every time (``cache.bump_version``), so nothing stale is read; between two
warms the first reader of a screen computes it, as when the warm is off.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.cache import cache

from yugong.core.metrics import get_metric
from yugong.core.timeutil import local_today
from yugong.orgs.models import Union

from . import periods, tables

log = logging.getLogger("yugong.cockpit")

RANKING_METRIC = "members.approved"
WARM_LEASE_KEY = "cockpit:warm-lease"
WARMED_VERSION_KEY = "cockpit:warmed-version"


def warm_due() -> bool:
    """True when no process warmed within ``COCKPIT_WARM_SECONDS`` (and takes the lease: the
    others skip until it expires). 0 = every refresh warms. A cache outage warms (the old way)."""
    seconds = float(getattr(settings, "COCKPIT_WARM_SECONDS", 60))
    if seconds <= 0:
        return True
    try:
        return bool(cache.add(WARM_LEASE_KEY, 1, timeout=max(1, int(seconds))))
    except Exception:  # noqa: BLE001 - the lease is an economy; without it the warm just runs
        log.warning("warm lease unavailable; warming anyway", exc_info=True)
        return True


def warm() -> int:
    """Compute the common screens into the cache. Returns how many nodes were warmed."""
    if not getattr(settings, "COCKPIT_WARM", True):
        return 0
    limit = int(getattr(settings, "COCKPIT_WARM_NODES", 64))
    today = local_today()
    this_year = periods.year(today.year)
    this_month = periods.parse(f"{today:%Y-%m}")
    roots = list(Union.objects.filter(parent__isnull=True, status=Union.Status.ACTIVE).order_by("pk")[:limit])
    children = list(
        Union.objects.filter(parent__in=roots, status=Union.Status.ACTIVE).order_by("pk")[
            : max(limit - len(roots), 0)
        ]
    )
    m = get_metric(RANKING_METRIC)
    for node in [*roots, *children]:
        for period in (this_year, this_month):
            tables.summary(node, period, "stood")
    if m is not None:
        for root in roots:
            tables.children_rows(root, m, this_year, "stood")
            tables.trend_points(root, m, this_year, "stood")
    return len(roots) + len(children)


def warm_if_settled() -> int:
    """The periodic job's warm (nothing waits to be folded): compute the common screens when the
    figures changed since the last warm and no process warmed within the interval. Returns how
    many nodes were warmed."""
    from .cache import version

    current = version()
    if cache.get(WARMED_VERSION_KEY) == current or not warm_due():
        return 0
    warmed = warm()
    cache.set(WARMED_VERSION_KEY, current, timeout=None)
    return warmed
