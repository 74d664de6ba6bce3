"""What the cockpit declares: its pages in the console's 驾驶舱 section (the shell declares the
section). Every page also checks the node through ``yugong.orgs.access`` (default deny)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from yugong.core import nav

STAFF = (nav.staff(),)

nav.register(
    nav.ConsolePage(
        section="cockpit", label=_("指标桌面"), url_name="cockpit:desk", order=10, audience=STAFF
    ),
    nav.ConsolePage(section="cockpit", label=_("大屏"), url_name="cockpit:screen", order=20, audience=STAFF),
    nav.ConsolePage(
        section="cockpit", label=_("年度数据审核"), url_name="cockpit:annual_home", order=30, audience=STAFF
    ),
    nav.ConsolePage(
        section="cockpit",
        label=_("指标目录"),
        url_name="cockpit:registry",
        order=40,
        audience=(nav.console(),),
    ),
)
