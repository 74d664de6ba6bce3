"""What activities declare: the 职工活动 tile and the worker's 我的报名 entry."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from yugong.core import nav

nav.register(
    nav.HomeTile(label=_("职工活动"), url_name="events:h5_list", icon="events", order=60),
    nav.TabEntry(tab="me", label=_("我的活动报名"), url_name="events:h5_mine", order=60, login_required=True),
)

nav.register(
    nav.ConsolePage(
        section="services",
        label=_("职工活动"),
        url_name="events:console_list",
        order=40,
        audience=(nav.staff(),),
    ),
)

# The kinds' pages: a contest participant's works; the organisers' review queue.
nav.register(
    nav.TabEntry(
        tab="me", label=_("我的参赛作品"), url_name="events:kinds_my_works", order=61, login_required=True
    ),
    nav.ConsolePage(
        section="services",
        label=_("参赛作品审核"),
        url_name="events:console_works",
        order=41,
        audience=(nav.staff("chair", "vice_chair", "staff"),),
    ),
)
