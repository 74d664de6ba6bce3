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
