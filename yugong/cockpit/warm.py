"""Warming the cache after a refresh: the screens leaders open first are computed once, by the
worker that folded the facts, instead of by the first leader who opens them.

What is warmed: for every root of the tree and each of its direct children (the districts), the
summary of this year and of this month "as it stood" (the desk's and the big screen's headline, the
API's ``summary``); for each root, the child ranking and the year's trend of the ranking metric.
``COCKPIT_WARM=0`` turns it off; ``COCKPIT_WARM_NODES`` bounds the number of nodes.
"""

from __future__ import annotations

import logging

from django.conf import settings

from yugong.core.metrics import get_metric
from yugong.core.timeutil import local_today
from yugong.orgs.models import Union

from . import periods, tables

log = logging.getLogger("yugong.cockpit")

RANKING_METRIC = "members.approved"


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
