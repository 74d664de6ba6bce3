from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActivitiesConfig(AppConfig):
    """Workers' activities (文体活动) with fair places and a verifiable lottery.

    Not to be confused with ``yugong.core.events`` (the domain-event outbox)."""

    name = "yugong.events"
    label = "events"
    verbose_name = _("职工活动")
