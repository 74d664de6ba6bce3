from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NewsConfig(AppConfig):
    name = "yugong.news"
    label = "news"
    verbose_name = _("资讯与通知公告")
