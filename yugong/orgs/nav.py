"""What orgs declares: the ``staff`` and ``console`` audiences (roles at a node, through the one
access layer) and its console pages in the 一网管 section."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from yugong.core import nav

from .access import CHAIR_ROLES, LEADER_ROLES, scope_paths
from .decorators import is_console_user


def _staff(request: HttpRequest, roles: tuple[str, ...]) -> bool:
    return bool(scope_paths(getattr(request, "user", None), roles or None))


def _console(request: HttpRequest, args: tuple[str, ...]) -> bool:
    return is_console_user(getattr(request, "user", None))


nav.register_audience("staff", _staff)
nav.register_audience("console", _console)

STAFF = (nav.staff(),)

nav.register(
    nav.ConsolePage(section="orgs", label=_("工会组织树"), url_name="orgs:tree", order=10, audience=STAFF),
    nav.ConsolePage(section="orgs", label=_("用人单位"), url_name="orgs:employers", order=60, audience=STAFF),
    nav.ConsolePage(
        section="orgs",
        label=_("岗位角色"),
        url_name="orgs:roles",
        order=70,
        audience=(nav.staff(*(CHAIR_ROLES | LEADER_ROLES)),),
    ),
    nav.ConsolePage(
        section="orgs", label=_("职工之家"), url_name="orgs:home_ratings", order=80, audience=STAFF
    ),
    nav.ConsolePage(section="orgs", label=_("职工之家评审"), url_name="orgs:homes", order=81, audience=STAFF),
    nav.ConsolePage(
        section="orgs", label=_("志愿服务"), url_name="orgs:volunteer_teams", order=90, audience=STAFF
    ),
    nav.TabEntry(
        tab="services",
        label=_("志愿服务"),
        url_name="orgs:v_activities",
        icon="heart",
        order=70,
        description=_("社会公益、爱心慰问、劳模工匠三进，报名参加"),
    ),
    nav.TabEntry(tab="me", label=_("我的志愿服务"), url_name="orgs:v_mine", order=70, login_required=True),
)
