"""What members declares: the worker's card, union and transfer pages (我的), the join and card
tiles, and the member console pages in 一网管."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from yugong.core import nav

STAFF = (nav.staff(),)

nav.register(
    nav.HomeTile(
        label=_("入会"), url_name="members:my_union", icon="join", order=10, description=_("扫码加入工会")
    ),
    nav.HomeTile(label=_("电子会员卡"), url_name="members:card", icon="card", order=20, login_required=True),
    nav.TabEntry(
        tab="me",
        label=_("我的会员卡"),
        url_name="members:card",
        order=10,
        description=_("电子会员卡，亮码享会员服务"),
        login_required=True,
    ),
    nav.TabEntry(
        tab="me",
        label=_("我的工会"),
        url_name="members:my_union",
        order=20,
        description=_("所在工会与入会信息"),
        login_required=True,
    ),
    nav.TabEntry(
        tab="me",
        label=_("转会申请"),
        url_name="members:transfer",
        order=30,
        description=_("换了单位，把会籍转到新单位工会"),
        login_required=True,
    ),
    nav.ConsolePage(section="orgs", label=_("会员"), url_name="members:list", order=20, audience=STAFF),
    nav.ConsolePage(
        section="orgs", label=_("入会审批"), url_name="members:approvals", order=30, audience=STAFF
    ),
    nav.ConsolePage(
        section="orgs", label=_("会员卡核验"), url_name="members:verify_scan", order=35, audience=STAFF
    ),
    nav.ConsolePage(section="orgs", label=_("名册导入"), url_name="roster:import", order=40, audience=STAFF),
    # Union staff members start on the membership approvals waiting for them.
    nav.Landing(audience=(nav.staff("staff"),), url_name="members:approvals", order=60),
    nav.ConsolePage(section="orgs", label=_("名册导出"), url_name="roster:export", order=50, audience=STAFF),
)

# The worker home's "my things" (yugong/members/home.py).
nav.register(nav.HomeCard(provider="yugong.members.home.pending_application", order=30))
