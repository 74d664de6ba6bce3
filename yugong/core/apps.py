from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "yugong.core"
    label = "core"
    verbose_name = _("共享内核")

    def ready(self) -> None:
        # Every app's event handlers (``<app>/handlers.py``) register before the first event.
        from .events import discover_handlers

        discover_handlers()

        # Raw SQL on SQLite compares aware datetimes the way the ORM stores them (UTC).
        from django.db.backends.signals import connection_created

        from .db import sqlite_binds_utc

        connection_created.connect(sqlite_binds_utc, dispatch_uid="yugong.core.sqlite_binds_utc")
