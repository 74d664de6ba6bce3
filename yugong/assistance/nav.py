"""What assistance declares: the 帮扶 tab entries and the console queue in 一件事."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from yugong.core import nav

from .selectors import READ_ROLES
from .services import REVIEW_ROLES

nav.register(
    nav.TabEntry(
        tab="help", label=_("困难帮扶申请"), url_name="assistance:h5_apply", order=40, login_required=True
    ),
    nav.TabEntry(
        tab="help", label=_("我的帮扶"), url_name="assistance:h5_status", order=50, login_required=True
    ),
    nav.TabEntry(
        tab="help", label=_("建档公示"), url_name="assistance:h5_notices", order=55, login_required=True
    ),
    nav.TabEntry(
        tab="help", label=_("我收到的帮扶"), url_name="assistance:h5_aid", order=60, login_required=True
    ),
    nav.ConsolePage(
        section="assistance",
        label=_("年度复核"),
        url_name="assistance:reviews",
        order=15,
        audience=(nav.staff(*REVIEW_ROLES),),
    ),
    nav.ConsolePage(
        section="assistance",
        label=_("复核抽查"),
        url_name="assistance:spot_checks",
        order=16,
        audience=(nav.staff(*REVIEW_ROLES),),
    ),
    nav.ConsolePage(
        section="assistance",
        label=_("帮扶审核"),
        url_name="assistance:queue",
        order=10,
        audience=(nav.staff(*REVIEW_ROLES),),
    ),
    nav.ConsolePage(
        section="assistance",
        label=_("四季帮扶"),
        url_name="assistance:campaigns",
        order=20,
        audience=(nav.staff(*READ_ROLES),),  # not the hotline: aid lists hold personal data
    ),
)
