from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TourismConfig(AppConfig):
    name = "yugong.tourism"
    label = "tourism"
    verbose_name = _("百万职工游巴蜀")
