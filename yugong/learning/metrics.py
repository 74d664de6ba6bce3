"""The facts learning records, declared for the cockpit."""

from django.utils.translation import gettext_lazy as _

from yugong.core.metrics import Unit, metric

metric("learning_lessons_completed", _("微课学完"), unit=Unit.PERSON_TIMES, app="learning")
metric("learning_courses_completed", _("课程结业"), unit=Unit.PERSON_TIMES, app="learning")
metric("learning_outcomes_deposited", _("学习成果存入"), unit=Unit.ITEMS, app="learning", dims=_("按来源"))
metric("learning_credits_granted", _("认定学分（×0.1）"), unit=Unit.ITEMS, app="learning")
metric("learning_courses_created", _("新建课程"), unit=Unit.ITEMS, app="learning")
metric("learning_lessons_created", _("新建微课"), unit=Unit.ITEMS, app="learning", dims=_("按类型"))
