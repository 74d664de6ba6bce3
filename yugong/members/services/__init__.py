"""Writes for people and memberships: one function per state change (``<entity>_<verb>``).

Every function is keyword-only and atomic, checks the actor's rights through ``yugong.orgs.access``,
writes, records the audit row and the cockpit facts in the same transaction, and sends SMS only
after commit (``core.sms.sms_send``).

The lifecycle::

    apply ──> pending ──approve──> active ──transfer──> transferred (a new active row at the target)
                 │                   │  ↑
                 ├─reject──> rejected │  └─resume── suspended <─suspend─┘
                 └─withdraw─> withdrawn └─leave──> left

Concurrency: approvals lock the membership row (``select_for_update``) and re-check its status
after the lock, so two staff approving the same application at once give exactly one approval and
one member number; the partial unique constraints on ``Membership`` (one current membership and
one pending application per person, one current holder per member number) are the last judge.

Sub-modules by sub-domain: ``people`` (person validation, upsert, reveal), ``routing``,
``applications`` (apply, withdraw, approve, reject), ``transfers``, ``status`` (suspend, resume,
leave), ``overdue``, ``search_keys``; ``common`` holds the shared lock and checks. The names below
are the public import path (``from yugong.members import services``).
"""

from .applications import membership_apply, membership_approve, membership_reject, membership_withdraw
from .common import ACCEPTING_KINDS, decision_working_days
from .overdue import membership_flag_overdue
from .people import PERSON_FIELDS, person_clean, person_reveal, person_upsert
from .routing import membership_route
from .search_keys import SEARCH_KEYS_SQL, membership_search_keys_rebuild
from .status import membership_leave, membership_resume, membership_suspend
from .transfers import membership_transfer_approve, membership_transfer_request

__all__ = [
    "ACCEPTING_KINDS",
    "PERSON_FIELDS",
    "SEARCH_KEYS_SQL",
    "decision_working_days",
    "membership_apply",
    "membership_approve",
    "membership_flag_overdue",
    "membership_leave",
    "membership_reject",
    "membership_resume",
    "membership_route",
    "membership_search_keys_rebuild",
    "membership_suspend",
    "membership_transfer_approve",
    "membership_transfer_request",
    "membership_withdraw",
    "person_clean",
    "person_reveal",
    "person_upsert",
]
