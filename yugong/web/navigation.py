"""What the two faces show in their navigation. Scenario apps register their pages here as they
arrive (url names); a section without pages yet says so plainly."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Link:
    label: object
    url_name: str
    icon: str = ""


@dataclass(frozen=True)
class Tab:
    key: str
    label: object
    icon: str
    links: tuple[Link, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Section:
    key: str
    label: object
    subtitle: object
    links: tuple[Link, ...] = field(default_factory=tuple)


H5_TABS: tuple[Tab, ...] = (
    Tab("home", _("首页"), "⌂"),
    Tab(
        "services",
        _("服务"),
        "☕",
        (
            Link(_("附近港湾"), "stations:nearby"),
            Link(_("游巴蜀"), "tourism:home"),
            Link(_("我的门票"), "tourism:my_tickets"),
            Link(_("我的年票"), "tourism:my_pass"),
        ),
    ),
    Tab(
        "growth",
        _("成长"),
        "★",
        (
            Link(_("竞赛答题"), "contests:h5_list"),
            Link(_("我的成绩与证书"), "contests:h5_mine"),
        ),
    ),
    Tab(
        "help",
        _("帮扶"),
        "♥",
        (
            Link(_("我要维权"), "rights:h5_new"),
            Link(_("我的诉求"), "rights:h5_mine"),
            Link(_("查政策"), "rights:h5_policies"),
        ),
    ),
    Tab(
        "me",
        _("我的"),
        "☺",
        (
            Link(_("我的会员卡"), "members:card"),
            Link(_("我的工会"), "members:my_union"),
            Link(_("转会申请"), "members:transfer"),
            Link(_("API 令牌"), "accounts:tokens"),
        ),
    ),
)

CONSOLE_SECTIONS: tuple[Section, ...] = (
    Section(
        "orgs",
        _("一网管"),
        _("组织管理：工会、会员、审批、导入导出"),
        (
            Link(_("工会组织树"), "orgs:tree"),
            Link(_("会员"), "members:list"),
            Link(_("入会审批"), "members:approvals"),
            Link(_("名册导入"), "roster:import"),
            Link(_("名册导出"), "roster:export"),
            Link(_("用人单位"), "orgs:employers"),
            Link(_("岗位角色"), "orgs:roles"),
            Link(_("职工之家"), "orgs:home_ratings"),
            Link(_("志愿服务"), "orgs:volunteer_teams"),
        ),
    ),
    Section(
        "services",
        _("一站享"),
        _("职工服务：渝工港湾、文旅、活动"),
        (
            Link(_("渝工港湾"), "stations:console_list"),
            Link(_("覆盖分析"), "stations:console_coverage"),
            Link(_("文旅商户"), "tourism:p_merchants"),
            Link(_("产品审核"), "tourism:p_products"),
            Link(_("团体订票"), "tourism:u_groups"),
            Link(_("年票"), "tourism:u_passes"),
            Link(_("结算对账"), "tourism:p_settlement"),
            Link(_("商户工作台"), "tourism:m_home"),
        ),
    ),
    Section(
        "growth",
        _("一链培"),
        _("建功立业：竞赛、学习、荣誉"),
        (
            Link(_("技能竞赛"), "contests:console_competitions"),
            Link(_("知识竞赛"), "contests:console_contests"),
            Link(_("题库"), "contests:console_banks"),
            Link(_("参与率"), "contests:console_participation"),
        ),
    ),
    Section("assistance", _("一件事"), _("困难帮扶：档案、申请、发放")),
    Section(
        "rights",
        _("一键通"),
        _("权益维护：12351、调解、政策库"),
        (
            Link(_("热线受理"), "rights:intake"),
            Link(_("诉求工单"), "rights:list"),
            Link(_("超期督办"), "rights:queues"),
            Link(_("调解"), "rights:mediations"),
            Link(_("政策库"), "rights:policies"),
        ),
    ),
    Section("cockpit", _("驾驶舱"), _("运营决策：实时指标")),
    Section(
        "system",
        _("系统"),
        _("审计日志、API 令牌、短信发件箱"),
        (
            Link(_("审计日志"), "web:console_audit"),
            Link(_("API 令牌"), "accounts:tokens"),
            Link(_("短信发件箱"), "web:console_sms_outbox"),
        ),
    ),
)
