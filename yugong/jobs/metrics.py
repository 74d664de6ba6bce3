"""The facts jobs record, declared for the cockpit."""

from django.utils.translation import gettext_lazy as _

from yugong.core.metrics import Unit, metric

metric("jobs.posts_published", _("发布招聘岗位"), unit=Unit.ITEMS, app="jobs", dims=_("按用工形式"))
metric("jobs.intents", _("求职意向投递"), unit=Unit.PERSON_TIMES, app="jobs")
metric("jobs.intents_confirmed", _("达成就业意向"), unit=Unit.PERSON_TIMES, app="jobs")
metric("jobs.fairs", _("举办招聘会"), unit=Unit.SESSIONS, app="jobs", dims=_("按形式"))
metric("jobs.fair_checkins", _("招聘会现场签到"), unit=Unit.PERSON_TIMES, app="jobs")
