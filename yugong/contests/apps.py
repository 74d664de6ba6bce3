from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _contest_saved(sender: Any, instance: Any, **kwargs: Any) -> None:
    """A contest saved or deleted in this process: its per-process facts and names go at once and
    its rendered union boards are marked stale for every process (leaderboard.contest_changed)."""
    from . import selectors
    from .quiz import leaderboard

    selectors.contest_facts_forget(instance.pk)
    leaderboard.contest_changed(instance.pk)


class ContestsConfig(AppConfig):
    name = "yugong.contests"
    label = "contests"
    verbose_name = _("建功立业")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from .models import Contest

        post_save.connect(_contest_saved, sender=Contest, dispatch_uid="contests-contest-saved")
        post_delete.connect(_contest_saved, sender=Contest, dispatch_uid="contests-contest-deleted")
