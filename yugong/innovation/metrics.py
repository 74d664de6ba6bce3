"""The facts innovation records, declared for the cockpit."""

from django.utils.translation import gettext_lazy as _

from yugong.core.metrics import Unit, metric

metric("innovation_studios", _("新建创新工作室"), unit=Unit.ITEMS, app="innovation", dims=_("按类型"))
metric("innovation_studio_ratings", _("工作室获评"), unit=Unit.ITEMS, app="innovation", dims=_("按级别"))
metric("innovation_studio_results", _("工作室成果"), unit=Unit.ITEMS, app="innovation", dims=_("按类型"))
metric("innovation_proposals", _("五小项目提交"), unit=Unit.ITEMS, app="innovation", dims=_("按类别"))
metric("innovation_proposals_adopted", _("五小项目采纳"), unit=Unit.ITEMS, app="innovation", dims=_("按类别"))
metric("innovation_proposal_rewards", _("五小奖励金额"), unit=Unit.YUAN, app="innovation")
metric("innovation_challenges", _("发布揭榜挂帅"), unit=Unit.ITEMS, app="innovation")
metric("innovation_challenges_completed", _("揭榜挂帅验收"), unit=Unit.ITEMS, app="innovation")
metric("innovation_challenge_awards", _("揭榜挂帅奖励金额"), unit=Unit.YUAN, app="innovation")
