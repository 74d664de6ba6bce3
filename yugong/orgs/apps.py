from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgsConfig(AppConfig):
    name = "yugong.orgs"
    label = "orgs"
    verbose_name = _("组织管理")

    def ready(self) -> None:
        from . import receivers

        receivers.connect()
