"""The facts activities record, declared for the cockpit."""

from django.utils.translation import gettext_lazy as _

from yugong.core.metrics import Aggregation, Unit, metric

_BY_KIND = _("按活动类型")

metric("activities.created", _("发布职工活动"), unit=Unit.SESSIONS, app="events", dims=_BY_KIND)
metric("activities.signups", _("职工活动报名"), unit=Unit.PERSON_TIMES, app="events", dims=_BY_KIND)
metric("activities.winners", _("职工活动中签"), unit=Unit.PERSON_TIMES, app="events", dims=_BY_KIND)
metric("activities.attendance", _("职工活动到场签到"), unit=Unit.PERSON_TIMES, app="events", dims=_BY_KIND)
metric("activities.fitness_checkins", _("健身打卡"), unit=Unit.PERSON_TIMES, app="events", dims=_BY_KIND)

# The reading campaign (玫瑰书香) and the day's photos.
metric("activities.reading_logs", _("阅读打卡"), unit=Unit.PERSON_TIMES, app="events", dims=_BY_KIND)
metric("activities.reading_minutes", _("阅读时长"), unit=Unit.MINUTES, app="events", dims=_BY_KIND)
metric(
    "activities.readers", _("参与阅读职工"), unit=Unit.PEOPLE, app="events", aggregation=Aggregation.DISTINCT
)
metric(
    "activities.works_published",
    _("发布作品与读后感"),
    unit=Unit.ITEMS,
    app="events",
    dims=_("按作品类型"),
)
metric("activities.photos_published", _("发布活动现场照片"), unit=Unit.ITEMS, app="events", dims=_BY_KIND)
