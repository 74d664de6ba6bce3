"""Rights protection: the 12351 hotline and online appeals, handled level by level.

* :class:`Appeal` — one worker's appeal (诉求), whatever door it came through. The caller's name and
  phone are encrypted (core.pii) with a blind index on the phone, so "this caller's earlier appeals"
  is one indexed look-up. ``union`` is the union handling it now; ``stage`` the current
  :class:`HandlingStage`. ``due_at`` / ``warn_at`` are the running deadline of the current stage and
  the moment it becomes "near due" — copies kept by the services (rights.sla) so that the
  supervisors' queues are one index range scan, ``NULL`` whenever no clock runs (paused, concluded).
* :class:`HandlingStage` — one per union the appeal passed through (转办 up, down or sideways, or
  a reopening for the level above), each with its own clock: the whole history stays.
* :class:`AppealEvent` — the timeline, one row per step, append-only.
* :class:`Referral`, :class:`MediationCase` (+ :class:`MediationSession`), :class:`AppealAttachment`.
* :class:`Policy` (+ :class:`PolicySection`), :class:`Faq` — the policy library. ``search_text``
  holds the jieba tokens joined by spaces; the full-text index over it is engine-specific and made
  by migration 0002 (PostgreSQL: a generated ``tsvector`` column + GIN; SQLite: FTS5 tables kept
  in sync by rights.search).
* :class:`RoutingRule` — configurable routing (rights.routing).
"""

from .appeals import (
    Appeal,
    AppealAttachment,
    AppealEvent,
    AppealNumberCounter,
    Category,
    Channel,
    Complexity,
    HandlingStage,
    Rating,
    RoutingRule,
    attachment_path,
    choice_label,
)
from .cases import MediationCase, MediationSession, Referral
from .policies import Faq, Policy, PolicySection

__all__ = [
    "Appeal",
    "AppealAttachment",
    "AppealEvent",
    "AppealNumberCounter",
    "Category",
    "Channel",
    "Complexity",
    "Faq",
    "HandlingStage",
    "MediationCase",
    "MediationSession",
    "Policy",
    "PolicySection",
    "Rating",
    "Referral",
    "RoutingRule",
    "attachment_path",
    "choice_label",
]
