"""The facts honors records, declared for the cockpit."""

from django.utils.translation import gettext_lazy as _

from yugong.core.metrics import Unit, metric

metric("honors_nominations", _("荣誉推荐"), unit=Unit.PERSON_TIMES, app="honors", dims=_("按级别"))
metric("honors_awarded", _("获得荣誉"), unit=Unit.PERSON_TIMES, app="honors", dims=_("按级别"))
metric("honors_objections", _("荣誉公示异议"), unit=Unit.ITEMS, app="honors")
metric("honors_talks", _("劳模宣讲场次"), unit=Unit.SESSIONS, app="honors")
metric("honors_talk_audience", _("劳模宣讲听众"), unit=Unit.PERSON_TIMES, app="honors")
