from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CockpitConfig(AppConfig):
    name = "yugong.cockpit"
    label = "cockpit"
    verbose_name = _("运营决策驾驶舱")

    def ready(self) -> None:
        from celery.signals import task_postrun, task_prerun
        from django.conf import settings
        from django.core import signals
        from django.db.models.signals import post_save

        from yugong.core import facts, metrics
        from yugong.orgs import extensions
        from yugong.orgs.models import Union

        from . import hooks, refresh

        # Facts keep the union's path as it stood (read from the orgs tree inside the INSERT).
        facts.register_path_source(table=Union._meta.db_table)
        facts.on_facts_committed(hooks.facts_committed)
        extensions.on_subtree_moved(hooks.subtree_moved)
        extensions.on_union_merged(hooks.union_merged)
        post_save.connect(hooks.union_saved, sender=Union, dispatch_uid="cockpit.union_saved")
        metrics.autodiscover()
        # New facts are folded in once the unit of work is over: after the response has been sent,
        # after a Celery task has run (refresh.py).
        signals.request_started.connect(refresh.work_started, dispatch_uid="cockpit.refresh.request_started")
        signals.request_finished.connect(refresh.work_finished, dispatch_uid="cockpit.refresh.request")
        if settings.CELERY_BROKER_URL:  # real workers (eager tasks run inside the request)
            task_prerun.connect(refresh.work_started, dispatch_uid="cockpit.refresh.task_started", weak=False)
            task_postrun.connect(refresh.work_finished, dispatch_uid="cockpit.refresh.task", weak=False)
