"""What honors declares: the 荣誉 entries of the 成长 tab and the console pages in 一链培."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from yugong.core import nav

nav.register(
    nav.TabEntry(
        tab="growth",
        label=_("我的荣誉"),
        url_name="honors:h5_mine",
        icon="honors",
        order=50,
        login_required=True,
    ),
    nav.TabEntry(
        tab="growth",
        label=_("荣誉公示"),
        url_name="honors:h5_notice",
        icon="notice",
        order=55,
        login_required=True,
    ),
    nav.ConsolePage(
        section="growth",
        label=_("评选表彰"),
        url_name="honors:console_rounds",
        order=40,
        audience=(nav.console(),),
    ),
    nav.ConsolePage(
        section="growth",
        label=_("荣誉推荐"),
        url_name="honors:console_queue",
        order=41,
        audience=(nav.console(),),
    ),
    nav.ConsolePage(
        section="growth",
        label=_("劳模工匠名册"),
        url_name="honors:console_laureates",
        order=42,
        audience=(nav.console(),),
    ),
    nav.ConsolePage(
        section="growth",
        label=_("劳模宣讲"),
        url_name="honors:console_talks",
        order=43,
        audience=(nav.console(),),
    ),
)
