"""Who does what in rights, as role sets at a union node (valid for its whole subtree)."""

from __future__ import annotations

# Who handles appeals at a node (and its subtree); who may only look.
HANDLE_ROLES = frozenset({"chair", "vice_chair", "staff", "hotline"})
VIEW_ROLES = HANDLE_ROLES | {"viewer", "auditor"}
# Who may take calls and register appeals (anywhere: intake is not handling).
INTAKE_ROLES = frozenset({"chair", "vice_chair", "staff", "hotline"})
