"""What contests declares: the 竞赛答题 tile, the 成长 tab entries and the console pages in 一链培."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from yugong.core import nav

STAFF = (nav.staff(),)

nav.register(
    nav.HomeTile(label=_("竞赛答题"), url_name="contests:h5_list", icon="contest", order=50),
    nav.TabEntry(
        tab="growth",
        label=_("竞赛答题"),
        url_name="contests:h5_list",
        order=10,
        description=_("安康杯知识竞赛与职业技能大赛"),
    ),
    nav.TabEntry(
        tab="growth",
        label=_("我的成绩与证书"),
        url_name="contests:h5_mine",
        order=20,
        description=_("成绩、名次与电子证书"),
        login_required=True,
    ),
    nav.ConsolePage(
        section="growth",
        label=_("技能竞赛"),
        url_name="contests:console_competitions",
        order=10,
        audience=STAFF,
    ),
    nav.ConsolePage(
        section="growth", label=_("知识竞赛"), url_name="contests:console_contests", order=20, audience=STAFF
    ),
    nav.ConsolePage(
        section="growth", label=_("题库"), url_name="contests:console_banks", order=30, audience=STAFF
    ),
    nav.ConsolePage(
        section="growth",
        label=_("参与率"),
        url_name="contests:console_participation",
        order=40,
        audience=STAFF,
    ),
)

# The worker home's "my things" (yugong/contests/home.py).
nav.register(nav.HomeCard(provider="yugong.contests.home.quiz_to_finish", order=40))
