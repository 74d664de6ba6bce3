from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CockpitConfig(AppConfig):
    name = "yugong.cockpit"
    label = "cockpit"
    verbose_name = _("运营决策驾驶舱")

    def ready(self) -> None:
        from yugong.core import facts, metrics
        from yugong.orgs import extensions
        from yugong.orgs.models import Union

        from . import hooks

        # Facts keep the union's path as it stood (read from the orgs tree inside the INSERT).
        facts.register_path_source(table=Union._meta.db_table)
        facts.on_facts_committed(hooks.facts_committed)
        extensions.on_subtree_moved(hooks.subtree_moved)
        extensions.on_union_merged(hooks.union_merged)
        metrics.autodiscover()
