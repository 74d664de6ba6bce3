"""The PostgreSQL one-statement sign-up (data-modifying CTEs): read the activity and the member's
current membership, check the window and the eligibility, find the pool (the deepest quota
containing the member's union), freeze the prior wins, insert the sign-up, write the audit row and
add the cockpit fact — one prepared statement, one round trip, atomic on its own.

Its rules, statuses, audit action and fact metric come from ``signup_rules`` (the ORM path applies
the same functions); a refusal is explained from what the statement read, by the same functions,
without another query. A sign-up takes no places (places are drawn by lottery after sign-up
closes), so nothing shared is updated and concurrent sign-ups never wait on one another; the unique
constraint (activity, person) is the judge of a member signing up twice at once (``ON CONFLICT DO
NOTHING``: the loser is told it already signed up, as on the ORM path)."""

from __future__ import annotations

import json
from typing import Any

from django.db import connection, transaction

from yugong.accounts.models import User
from yugong.core import timeutil
from yugong.core.audit import audit_who
from yugong.core.db import one_statement_enabled, prepared_cursor
from yugong.core.errors import NotFound, ValidationFailed
from yugong.core.facts import fact_record_sql, fact_recorded
from yugong.core.models import AuditEvent
from yugong.core.validators import is_ascii_digits
from yugong.members.models import Membership, Person

from . import signup_rules
from .models import Activity, Quota, SignUp


def fast_path_applies() -> bool:
    """PostgreSQL, enabled (``EVENTS_SIGNUP_ONE_STATEMENT``, default on) and outside a caller's
    transaction (inside one the ORM path runs: same rules, same rows)."""
    return one_statement_enabled("EVENTS_SIGNUP_ONE_STATEMENT", outside_transaction=True)


# ``a`` the activity (a draft is not found), ``m`` the member's newest current membership (as the
# ORM path orders it; the current statuses are written into the text, not bound, so that the prepared
# statement's generic plan proves that the partial unique index on current memberships applies and
# reads one entry, instead of intersecting the person's rows with every current member's: 2.8 ms of
# the backend's CPU per sign-up at 100,000 members, growing with the city), ``ok`` the window and
# eligibility (``signup_rules``), ``q`` the deepest quota containing the member's union (quota paths
# containing one path are prefixes of one another, so the longest is the deepest), ``pw`` the prior
# wins, ``s`` the sign-up, ``au`` the audit row, ``f`` the fact. Everything is written only when
# ``s`` inserted a row.
_ONE_STATEMENT = """
WITH a AS (
    SELECT id, status, signup_opens_at, signup_closes_at, union_path, employment_forms, kind
    FROM {activity} WHERE id = %(aid)s AND status <> %(draft)s
), m AS (
    SELECT m.id, m.person_id, m.union_id, m.union_path, m.status, m.employment_form
    FROM {membership} m JOIN {person} p ON p.id = m.person_id
    WHERE p.user_id = %(uid)s AND m.status IN ({current})
    ORDER BY m.id DESC LIMIT 1
), ok AS (
    SELECT a.id AS activity_id, a.kind, m.person_id, m.union_id, m.union_path FROM a, m
    WHERE a.status = %(open)s AND a.signup_opens_at <= %(now)s AND %(now)s < a.signup_closes_at
        AND m.status = %(active)s AND left(m.union_path, length(a.union_path)) = a.union_path
        AND (jsonb_array_length(a.employment_forms) = 0
             OR a.employment_forms @> jsonb_build_array(m.employment_form))
), q AS (
    SELECT q.id FROM {quota} q, ok
    WHERE q.activity_id = ok.activity_id AND left(ok.union_path, length(q.union_path)) = q.union_path
    ORDER BY length(q.union_path) DESC LIMIT 1
), pw AS (
    SELECT count(*) AS wins, count(*) FILTER (WHERE s.no_show) AS no_shows
    FROM {signup} s, ok WHERE s.person_id = ok.person_id AND s.status = %(won)s
), s AS (
    INSERT INTO {signup} (activity_id, person_id, union_id, quota_id, prior_wins, status, wait_rank,
        in_draw, won_at_draw, offer_expires_at, checked_in_at, no_show, signed_up_by_id, created_at)
    SELECT ok.activity_id, ok.person_id, ok.union_id, (SELECT id FROM q),
        LEAST((SELECT wins + no_shows FROM pw), %(cap)s), %(entered)s, NULL, false, false, NULL, NULL,
        false, %(uid)s, %(now)s
    FROM ok
    ON CONFLICT (activity_id, person_id) DO NOTHING
    RETURNING id, activity_id, union_id, quota_id, prior_wins
), au AS (
    INSERT INTO {audit} (at, actor_id, actor_label, action, object_type, object_id, object_repr, union_id,
        ip, request_id, changes, extra)
    SELECT %(now)s, %(actor_id)s, %(actor_label)s, %(action)s, %(object_type)s, s.id::text,
        s.activity_id::text || '#' || s.id::text, s.union_id, %(ip)s::inet, %(request_id)s,
        '{{}}'::jsonb, '{{}}'::jsonb
    FROM s
), f AS (
    {fact}
)
SELECT a.id, a.status, a.signup_opens_at, a.signup_closes_at, a.union_path, a.employment_forms, a.kind,
    m.status, m.union_path, m.employment_form, m.person_id, m.union_id,
    (SELECT count(*) FROM ok), s.id, s.quota_id, s.prior_wins
FROM (SELECT 1) AS one LEFT JOIN a ON true LEFT JOIN m ON true LEFT JOIN s ON true
"""


_compiled: dict[tuple[str, str], str] = {}


def _sql(fact: str) -> str:
    """The statement's text, formatted once per process and fact statement (keyed by the template
    too, which a race test's control replaces)."""
    key = (_ONE_STATEMENT, fact)
    sql = _compiled.get(key)
    if sql is None:
        sql = _compiled[key] = _format(_ONE_STATEMENT, fact)
    return sql


def _format(template: str, fact: str) -> str:
    return template.format(
        activity=Activity._meta.db_table,
        membership=Membership._meta.db_table,
        person=Person._meta.db_table,
        quota=Quota._meta.db_table,
        signup=SignUp._meta.db_table,
        audit=AuditEvent._meta.db_table,
        fact=fact,
        current=", ".join(f"'{status}'" for status in signup_rules.current_statuses()),
    )


def signup_one_statement(*, actor: User, activity_id: Any) -> SignUp:  # audited-in-sql (``au``)
    """Sign ``actor`` up in ONE statement. Returns the sign-up as written; raises the ORM path's
    refusals otherwise (404 for a missing or draft activity, 409 ``signup_closed``, 400 for an
    ineligible member, 409 ``already_signed_up``)."""
    if not is_ascii_digits(str(activity_id)):
        raise NotFound()
    at = timeutil.now()
    fact, fact_params = fact_record_sql(
        metric=signup_rules.SIGNUP_METRIC,
        source="s, ok",
        union_sql="s.union_id",
        dim_sql="ok.kind",
        buffered=signup_rules.SIGNUP_FACT_BUFFERED,
    )
    params = {
        "aid": int(activity_id),
        "uid": actor.pk,
        "now": at,
        **signup_rules.sql_params(),
        **fact_params,
        **audit_who(actor),
    }

    def run() -> Any:
        with prepared_cursor() as cursor:
            cursor.execute(_sql(fact), params)
            return cursor.fetchone()

    if connection.in_atomic_block:  # called directly inside a transaction (tests): a savepoint
        with transaction.atomic():
            row = run()
    else:
        row = run()
    (a_id, a_status, opens, closes, a_path, forms, kind, m_status, m_path, m_form, person_id, union_id,
     passed, signup_id, quota_id, prior) = row  # fmt: skip
    if signup_id is not None:
        fact_recorded(fact_params, union_id=union_id, dim=kind)
        signup = SignUp(
            id=signup_id,
            activity_id=a_id,
            person_id=person_id,
            union_id=union_id,
            quota_id=quota_id,
            prior_wins=prior,
            status=SignUp.Status.ENTERED,
            signed_up_by_id=actor.pk,
            created_at=at,
        )
        signup._state.adding = False
        return signup
    # Nothing written: explain it from what was read, with the ORM path's rules.
    if a_id is None:
        raise NotFound()
    refusal = signup_rules.window_refusal(status=a_status, opens=opens, closes=closes, at=at)
    if refusal:
        raise refusal
    reason = signup_rules.membership_refusal(
        activity_path=a_path,
        employment_forms=json.loads(forms) if isinstance(forms, str) else forms or [],
        status=m_status,
        union_path=m_path or "",
        employment_form=m_form or "",
    )
    if reason:
        raise ValidationFailed(reason, fields={"activity": reason})
    if not passed:  # the SQL refused what the rules allow: the two paths disagree — never silently
        raise RuntimeError("sign-up statement and signup_rules disagree")
    raise signup_rules.already_signed_up()
