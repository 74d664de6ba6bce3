from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    """Jobs and job fairs (就业服务): employers post, union staff review, workers send intents."""

    name = "yugong.jobs"
    label = "jobs"
    verbose_name = _("就业服务")
