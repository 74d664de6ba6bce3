"""What learning declares: the 学习 tile and the 成长 tab entries."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from yugong.core import nav

nav.register(
    nav.HomeTile(label=_("学习"), url_name="learning:h5_courses", icon="contest", order=55),
    nav.TabEntry(
        tab="growth", label=_("我的课程"), url_name="learning:h5_courses", order=30, login_required=True
    ),
    nav.TabEntry(
        tab="growth", label=_("我的学分"), url_name="learning:h5_credits", order=40, login_required=True
    ),
    nav.TabEntry(
        tab="growth", label=_("我的证书"), url_name="learning:h5_certificates", order=45, login_required=True
    ),
    nav.ConsolePage(
        section="growth",
        label=_("学分互认与转换"),
        url_name="learning:console_programmes",
        order=33,
        audience=(nav.console(),),
    ),
    nav.ConsolePage(
        section="growth",
        label=_("结业证书"),
        url_name="learning:console_certificates",
        order=32,
        audience=(nav.console(),),
    ),
    nav.ConsolePage(
        section="growth",
        label=_("课程管理"),
        url_name="learning:console_courses",
        order=30,
        audience=(nav.console(),),
    ),
    nav.ConsolePage(
        section="growth",
        label=_("学分银行审核"),
        url_name="learning:console_outcomes",
        order=31,
        audience=(nav.console(),),
    ),
)
