from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssistanceConfig(AppConfig):
    name = "yugong.assistance"
    label = "assistance"
    verbose_name = _("困难帮扶")
