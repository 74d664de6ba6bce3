"""The facts activities record, declared for the cockpit."""

from django.utils.translation import gettext_lazy as _

from yugong.core.metrics import Unit, metric

_BY_KIND = _("按活动类型")

metric("activities.created", _("发布职工活动"), unit=Unit.SESSIONS, app="events", dims=_BY_KIND)
metric("activities.signups", _("职工活动报名"), unit=Unit.PERSON_TIMES, app="events", dims=_BY_KIND)
metric("activities.winners", _("职工活动中签"), unit=Unit.PERSON_TIMES, app="events", dims=_BY_KIND)
metric("activities.attendance", _("职工活动到场签到"), unit=Unit.PERSON_TIMES, app="events", dims=_BY_KIND)
metric("activities.fitness_checkins", _("健身打卡"), unit=Unit.PERSON_TIMES, app="events", dims=_BY_KIND)
