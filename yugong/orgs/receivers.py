"""Signal receivers that keep the shared grants cache honest (``access.py``, "Grants cache").

They cover every ``save()`` and ``delete()`` — the admin site, seeds, factories, cascades — of the
rows a grant is made of. Writes that go through ``QuerySet.update`` (the tree services) do not send
signals; those services call :func:`~yugong.orgs.access.tree_changed` themselves. A ``migrate``
changes the tree stamp too (a data migration may rewrite paths with SQL)."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_migrate, post_save

from yugong.accounts.models import User

from .access import grants_changed, tree_changed
from .models import RoleAssignment, Union

# Saving only these fields of a union changes no grant (a rename, a new address).
_TREE_FIELDS = frozenset({"path", "parent", "status", "depth"})


def _role_saved(sender: Any, instance: RoleAssignment, **kwargs: Any) -> None:
    grants_changed(instance.user_id)


def _union_saved(
    sender: Any, instance: Union, created: bool = False, update_fields: Any = None, **kwargs: Any
) -> None:
    if created or update_fields is None or _TREE_FIELDS & set(update_fields):
        tree_changed()


def _union_deleted(sender: Any, instance: Union, **kwargs: Any) -> None:
    tree_changed()


def _user_saved(sender: Any, instance: User, update_fields: Any = None, **kwargs: Any) -> None:
    # A login stamps last_login only: no rights change, and logins must not empty the cache.
    if update_fields is not None and set(update_fields) <= {"last_login"}:
        return
    grants_changed(instance.pk)


def _migrated(sender: Any, **kwargs: Any) -> None:
    # A data migration may rewrite paths or statuses with SQL: nothing cached survives a migrate.
    tree_changed()


def connect() -> None:
    post_save.connect(_role_saved, sender=RoleAssignment, dispatch_uid="orgs.grants.role_saved")
    post_delete.connect(_role_saved, sender=RoleAssignment, dispatch_uid="orgs.grants.role_deleted")
    post_save.connect(_union_saved, sender=Union, dispatch_uid="orgs.grants.union_saved")
    post_delete.connect(_union_deleted, sender=Union, dispatch_uid="orgs.grants.union_deleted")
    post_save.connect(_user_saved, sender=User, dispatch_uid="orgs.grants.user_saved")
    post_delete.connect(_user_saved, sender=User, dispatch_uid="orgs.grants.user_deleted")
    post_migrate.connect(_migrated, dispatch_uid="orgs.grants.migrated")
