"""Writes on the union tree, employers, roles, 职工之家 ratings and volunteer teams, split by sub-domain.

Every function: keyword-only arguments, one transaction, permission through ``orgs.access``
(jobs, imports and seeds act as ``yugong.accounts.system.system_actor()``; nobody skips the check),
validation with Chinese messages, an audit row, a ``UnionEvent`` for every change of a node, and
facts for the cockpit (``unions.created`` by kind, ``unions.merged``, ``unions.closed``).
Callers import from ``yugong.orgs.services``; the sub-modules are an implementation detail.
"""

from .employers import employer_create, employer_update
from .homes import (
    home_application_create,
    home_application_decide,
    home_application_submit,
    home_ratings_publish,
    home_reassessments_generate,
    home_score_set,
    home_sheet_create,
)
from .national import home_national_recommend, home_national_result_record
from .ratings import home_rating_create, home_rating_delete
from .roles import admin_role_assign, role_grant, role_revoke
from .service import (
    can_lead,
    service_activity_cancel,
    service_activity_close,
    service_activity_create,
    service_hours_confirm,
    service_hours_dispute,
    service_hours_record,
    service_signup,
    service_signup_cancel,
    team_leader_set,
)
from .tree import union_close, union_create, union_merge, union_move, union_reopen, union_update
from .volunteers import service_record_add, volunteer_add, volunteer_team_create

__all__ = [
    "admin_role_assign",
    "can_lead",
    "service_activity_cancel",
    "service_activity_close",
    "service_activity_create",
    "service_hours_confirm",
    "service_hours_dispute",
    "service_hours_record",
    "service_signup",
    "service_signup_cancel",
    "team_leader_set",
    "employer_create",
    "employer_update",
    "home_application_create",
    "home_application_decide",
    "home_application_submit",
    "home_national_recommend",
    "home_national_result_record",
    "home_rating_create",
    "home_ratings_publish",
    "home_reassessments_generate",
    "home_score_set",
    "home_sheet_create",
    "home_rating_delete",
    "role_grant",
    "role_revoke",
    "service_record_add",
    "union_close",
    "union_create",
    "union_merge",
    "union_move",
    "union_reopen",
    "union_update",
    "volunteer_add",
    "volunteer_team_create",
]
