from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StationsConfig(AppConfig):
    name = "yugong.stations"
    label = "stations"
    verbose_name = _("渝工港湾")
