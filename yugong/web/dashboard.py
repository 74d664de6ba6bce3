"""The console home's dashboard: live figures for the acting union's subtree.

Flows (members approved, applications, appeals received and closed late, station check-ins,
orders, revenue, contest participation) come from the recorded facts through the cockpit's roll-up
(``yugong.cockpit.selectors.trend``: one query per metric, month by month over this year, whatever
the tree). States that are not facts (applications waiting, appeals open and overdue) are counted
over the subtree (one query each). Every figure links to the list behind it. A fixed number of
queries in all."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from yugong.cockpit import periods
from yugong.cockpit import selectors as cockpit
from yugong.cockpit.tables import drill_url, rows_url
from yugong.core.metrics import get_metric
from yugong.core.timeutil import local_today, now
from yugong.members.models import Membership
from yugong.orgs.models import Union
from yugong.rights.models import Appeal

# (metric code, icon key): the flows shown, in this order; a metric not declared is left out.
FLOWS = (
    ("members.approved", "members"),
    ("members.applied", "application"),
    ("appeals.created", "appeal"),
    ("stations.checkins", "visits"),
    ("tourism.orders", "orders"),
    ("tourism.paid_fen", "revenue"),
    ("contest_participants", "contest"),
)


def _url(name: str) -> str:
    try:
        return reverse(name)
    except NoReverseMatch:
        return ""


def flows(node: Union) -> list[dict[str, Any]]:
    """This month's figure, this year's total and the monthly trend of each flow."""
    today = local_today()
    year = periods.year(today.year)
    month = periods.parse(f"{today:%Y-%m}")
    out = []
    for code, icon in FLOWS:
        m = get_metric(code)
        if m is None:
            continue
        series = [(d, v) for d, v in cockpit.trend(node, m, year) if d <= today]
        this_month = series[-1][1] if series else 0
        total = sum(v for _d, v in series)
        out.append(
            {
                "code": code,
                "label": m.name,
                "unit": m.unit_label,
                "icon": icon,
                "value": cockpit.format_value(m, this_month),
                "year": cockpit.format_value(m, total),
                "url": rows_url(m, node, month) or drill_url(m, node, month, "stood"),
                "trend": {
                    "labels": [f"{d:%m}" for d, _v in series],
                    "values": [v / 100 if m.in_fen else v for _d, v in series],
                },
            }
        )
    return out


def states(node: Union) -> list[dict[str, Any]]:
    """What waits now in the subtree: applications to approve, appeals open and overdue."""
    in_tree = Q(union__path__startswith=node.path)
    pending = Membership.objects.filter(in_tree, status=Membership.Status.PENDING).order_by().count()
    appeals = (
        Appeal.objects.filter(in_tree, status__in=Appeal.OPEN)
        .order_by()
        .aggregate(open=Count("id"), overdue=Count("id", filter=Q(due_at__lte=now())))
    )
    return [
        {
            "label": _("待审批入会"),
            "icon": "approvals",
            "value": f"{pending:,}",
            "url": _url("members:approvals"),
            "alert": pending > 0,
        },
        {
            "label": _("在办诉求"),
            "icon": "appeal",
            "value": f"{appeals['open']:,}",
            "url": _url("rights:list"),
            "alert": False,
        },
        {
            "label": _("超期诉求"),
            "icon": "overdue",
            "value": f"{appeals['overdue']:,}",
            "url": _url("rights:queues"),
            "alert": appeals["overdue"] > 0,
        },
    ]


def dashboard(node: Union | None) -> dict[str, Any]:
    if node is None:
        return {"states": [], "flows": []}
    return {"states": states(node), "flows": flows(node)}
