from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebConfig(AppConfig):
    name = "yugong.web"
    label = "web"
    verbose_name = _("页面外壳")
