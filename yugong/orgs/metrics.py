"""The facts orgs records (unions created, merged, closed), declared for the cockpit."""

from django.utils.translation import gettext_lazy as _

from yugong.core.metrics import Aggregation, Unit, metric

metric(
    "unions.created",
    _("新建工会组织"),
    unit=Unit.ITEMS,
    app="orgs",
    dims=_("按工会类型"),
    rows_url="orgs:tree",
)
metric(
    "unions.merged",
    _("合并工会组织"),
    unit=Unit.ITEMS,
    app="orgs",
    dims=_("按工会类型"),
    rows_url="orgs:tree",
)
metric(
    "unions.closed",
    _("撤销工会组织"),
    unit=Unit.ITEMS,
    app="orgs",
    dims=_("按工会类型"),
    rows_url="orgs:tree",
)

# Volunteers (1+N+X): recorded by orgs.services.service / volunteers at the team's union.
metric(
    "volunteers.registered", _("新增志愿者"), unit=Unit.PEOPLE, app="orgs", rows_url="orgs:volunteer_teams"
)
metric(
    "volunteers.people",
    _("参与志愿服务人数"),
    unit=Unit.PEOPLE,
    app="orgs",
    aggregation=Aggregation.DISTINCT,
    rows_url="orgs:volunteer_teams",
)
metric(
    "volunteers.activities",
    _("志愿服务活动"),
    unit=Unit.SESSIONS,
    app="orgs",
    dims=_("按服务方向"),
    rows_url="orgs:volunteer_teams",
)
metric("volunteers.signups", _("志愿服务报名"), unit=Unit.PERSON_TIMES, app="orgs")
metric(
    "volunteers.services",
    _("志愿服务人次（已确认）"),
    unit=Unit.PERSON_TIMES,
    app="orgs",
    rows_url="orgs:volunteer_teams",
)
metric(
    "volunteers.minutes",
    _("志愿服务时长（已确认）"),
    unit=Unit.MINUTES,
    app="orgs",
    rows_url="orgs:volunteer_teams",
)
metric("volunteers.beneficiaries", _("志愿服务受益人数"), unit=Unit.PERSON_TIMES, app="orgs")
# 职工之家: applications and the titles published (by level), recorded by orgs.services.homes.
metric("homes.applications", _("职工之家申报"), unit=Unit.ITEMS, app="orgs", dims=_("按申报级别"))
metric(
    "homes.published",
    _("职工之家命名"),
    unit=Unit.ITEMS,
    app="orgs",
    dims=_("按级别"),
    rows_url="orgs:home_ratings",
)
# 全国模范职工之家: the city federation's recommendations and the ACFTU's conferrals (by kind),
# recorded by orgs.services.national.
metric(
    "homes.national_recommended",
    _("推荐全国模范职工之家"),
    unit=Unit.ITEMS,
    app="orgs",
    dims=_("按类别"),
    rows_url="orgs:home_national",
)
metric(
    "homes.national_conferred",
    _("全国模范职工之家命名"),
    unit=Unit.ITEMS,
    app="orgs",
    dims=_("按类别"),
    rows_url="orgs:home_national",
)
