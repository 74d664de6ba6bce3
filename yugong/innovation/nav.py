"""What innovation declares: the 创新 entries of the 成长 tab and the console pages in 一链培."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from yugong.core import nav

nav.register(
    nav.TabEntry(
        tab="growth",
        label=_("我的创新"),
        url_name="innovation:h5_mine",
        icon="innovation",
        order=60,
        login_required=True,
    ),
    nav.TabEntry(
        tab="growth",
        label=_("揭榜挂帅"),
        url_name="innovation:h5_challenges",
        icon="innovation",
        order=65,
        login_required=True,
    ),
    nav.ConsolePage(
        section="growth",
        label=_("创新工作室"),
        url_name="innovation:console_studios",
        order=50,
        audience=(nav.console(),),
    ),
    nav.ConsolePage(
        section="growth",
        label=_("工作室评定"),
        url_name="innovation:console_ratings",
        order=51,
        audience=(nav.console(),),
    ),
    nav.ConsolePage(
        section="growth",
        label=_("五小项目"),
        url_name="innovation:console_proposals",
        order=52,
        audience=(nav.console(),),
    ),
    nav.ConsolePage(
        section="growth",
        label=_("揭榜挂帅"),
        url_name="innovation:console_challenges",
        order=53,
        audience=(nav.console(),),
    ),
)
