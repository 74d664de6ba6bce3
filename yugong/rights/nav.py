"""What rights declares: the 12351 tile and the 帮扶 tab entries, the console pages in 一键通, and
the hotline operator's landing (the appeal queue)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from yugong.core import nav

from .services import HANDLE_ROLES, INTAKE_ROLES, VIEW_ROLES

VIEWERS = (nav.staff(*VIEW_ROLES),)
HANDLERS = (nav.staff(*HANDLE_ROLES),)

nav.register(
    nav.HomeTile(label=_("12351维权"), url_name="rights:h5_new", icon="rights", order=80),
    nav.TabEntry(
        tab="help",
        label=_("我要维权"),
        url_name="rights:h5_new",
        order=10,
        description=_("欠薪、劳动合同、工伤等问题在线求助"),
        login_required=True,
    ),
    nav.TabEntry(
        tab="help",
        label=_("我的诉求"),
        url_name="rights:h5_mine",
        order=20,
        description=_("诉求办理进度与答复"),
        login_required=True,
    ),
    nav.TabEntry(
        tab="help",
        label=_("查政策"),
        url_name="rights:h5_policies",
        order=30,
        description=_("劳动法规与维权问答"),
    ),
    nav.ConsolePage(
        section="rights",
        label=_("热线受理"),
        url_name="rights:intake",
        order=10,
        audience=(nav.staff(*INTAKE_ROLES),),
    ),
    nav.ConsolePage(
        section="rights", label=_("诉求工单"), url_name="rights:list", order=20, audience=VIEWERS
    ),
    nav.ConsolePage(
        section="rights", label=_("超期督办"), url_name="rights:queues", order=30, audience=VIEWERS
    ),
    nav.ConsolePage(
        section="rights", label=_("调解"), url_name="rights:mediations", order=40, audience=HANDLERS
    ),
    nav.ConsolePage(
        section="rights", label=_("政策库"), url_name="rights:policies", order=50, audience=VIEWERS
    ),
    # A hotline operator starts on the 12351 appeal queue.
    nav.Landing(audience=(nav.staff("hotline"),), url_name="rights:list", order=30),
)

# The worker home's "my things" (yugong/rights/home.py).
nav.register(nav.HomeCard(provider="yugong.rights.home.open_appeal", order=20))
