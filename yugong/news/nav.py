"""What news declares: the 资讯公告 tile and tab entry for workers, and the publishers' console page."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from yugong.core import nav
from yugong.orgs.access import MANAGE_ROLES

nav.register(
    nav.HomeTile(
        label=_("资讯公告"),
        url_name="news:list",
        icon="news",
        order=15,
        description=_("工会新闻、通知与公示"),
    ),
    nav.ConsolePage(
        section="orgs",
        label=_("资讯与通知公告"),
        url_name="news:console_list",
        order=90,
        audience=(nav.staff(*MANAGE_ROLES),),
    ),
)
