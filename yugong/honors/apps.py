from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HonorsConfig(AppConfig):
    name = "yugong.honors"
    label = "honors"
    verbose_name = _("劳模工匠与荣誉")
