from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembersConfig(AppConfig):
    name = "yugong.members"
    label = "members"
    verbose_name = _("会员管理")

    def ready(self) -> None:
        from yugong.orgs import extensions

        from . import hooks

        extensions.on_union_merged(hooks.union_merged)
        extensions.on_subtree_moved(hooks.subtree_moved)
        extensions.on_union_closing(hooks.union_closing)
        extensions.register_union_panel(hooks.union_panel)
