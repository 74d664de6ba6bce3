"""What the shell itself declares: the H5 bottom tabs, the console's scenario sections, its own
system pages and the default landings. Every app's pages come from that app's ``nav.py``."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from yugong.core import nav

nav.register(
    # Worker H5 bottom tabs (their entries come from the apps).
    nav.Tab(key="home", label=_("首页"), icon="home", order=10, always=True),
    nav.Tab(key="services", label=_("服务"), icon="services", order=20),
    nav.Tab(key="growth", label=_("成长"), icon="growth", order=30),
    nav.Tab(key="help", label=_("帮扶"), icon="help", order=40),
    nav.Tab(key="me", label=_("我的"), icon="me", order=50, always=True),
    # Staff console sections, one per scenario (a section with no visible page does not show).
    nav.ConsoleSection(
        key="orgs", label=_("一网管"), subtitle=_("组织管理：工会、会员、审批、导入导出"), order=10
    ),
    nav.ConsoleSection(
        key="services", label=_("一站享"), subtitle=_("职工服务：渝工港湾、文旅、活动"), order=20
    ),
    nav.ConsoleSection(key="growth", label=_("一链培"), subtitle=_("建功立业：竞赛、学习、荣誉"), order=30),
    nav.ConsoleSection(
        key="assistance", label=_("一件事"), subtitle=_("困难帮扶：档案、申请、发放"), order=40
    ),
    nav.ConsoleSection(
        key="rights", label=_("一键通"), subtitle=_("权益维护：12351、调解、政策库"), order=50
    ),
    nav.ConsoleSection(key="cockpit", label=_("驾驶舱"), subtitle=_("运营决策：实时指标"), order=60),
    nav.ConsoleSection(key="system", label=_("系统"), subtitle=_("审计日志、API 令牌、短信发件箱"), order=90),
    # The shell's own console pages.
    nav.ConsolePage(
        section="system",
        label=_("审计日志"),
        url_name="web:console_audit",
        order=10,
        audience=(nav.duty("audit.read_all"), nav.staff("chair", "auditor")),
    ),
    nav.ConsolePage(
        section="system",
        label=_("短信发件箱"),
        url_name="web:console_sms_outbox",
        order=30,
        audience=(nav.duty("sms.outbox"),),
    ),
    nav.TabEntry(
        tab="me", label=_("进入工作台"), url_name="web:console", order=90, audience=(nav.console(),)
    ),
    nav.ConsolePage(
        section="system",
        label=_("系统管理后台"),
        description=_("用户、岗位、事件投递等后台数据"),
        url_name="admin:index",
        order=40,
        audience=(nav.duty("admin_site"),),
    ),
    # Landings: the audit and security administrators and union auditors (经审) read the log;
    # chairs start on the console overview; other console users too; everybody else on the worker
    # home. Apps declare the more specific ones (a lower order wins).
    nav.Landing(audience=(nav.admin("audit", "security"),), url_name="web:console_audit", order=20),
    nav.Landing(audience=(nav.staff("auditor"),), url_name="web:console_audit", order=25),
    nav.Landing(audience=(nav.staff("chair", "vice_chair"),), url_name="web:console", order=40),
    nav.Landing(audience=(nav.console(),), url_name="web:console", order=900),
    nav.Landing(audience=(nav.anyone(),), url_name="web:home", order=1000),
)
