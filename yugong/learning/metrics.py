"""The facts learning records, declared for the cockpit."""

from django.utils.translation import gettext_lazy as _

from yugong.core.metrics import Unit, metric

metric("learning_lessons_completed", _("微课学完"), unit=Unit.PERSON_TIMES, app="learning")
metric("learning_courses_completed", _("课程结业"), unit=Unit.PERSON_TIMES, app="learning")
metric("learning_outcomes_deposited", _("学习成果存入"), unit=Unit.ITEMS, app="learning", dims=_("按来源"))
metric("learning_credits_granted", _("认定学分（×0.1）"), unit=Unit.ITEMS, app="learning")
metric("learning_courses_created", _("新建课程"), unit=Unit.ITEMS, app="learning")
metric("learning_lessons_created", _("新建微课"), unit=Unit.ITEMS, app="learning", dims=_("按类型"))
metric("learning_quiz_attempts", _("测验提交"), unit=Unit.PERSON_TIMES, app="learning", dims=_("按是否通过"))
metric(
    "learning_class_signups", _("直播和面授课报名"), unit=Unit.PERSON_TIMES, app="learning", dims=_("按课型")
)
metric(
    "learning_class_attendance",
    _("直播和面授课签到"),
    unit=Unit.PERSON_TIMES,
    app="learning",
    dims=_("按课型"),
)
metric("learning_conversions_applied", _("学分转换申请"), unit=Unit.ITEMS, app="learning")
metric("learning_credits_converted", _("转换认定学分（×0.1）"), unit=Unit.ITEMS, app="learning")
metric("learning_certificates_issued", _("颁发结业证书"), unit=Unit.ITEMS, app="learning")
