"""The PostgreSQL one-statement volunteer sign-up (data-modifying CTEs): read the activity, take a
place, put the worker on the team's roll (their row, else the row staff entered with their phone,
else a new one), insert the sign-up, write the audit rows and append the cockpit facts to the fact
buffer — one prepared statement, one round trip, atomic on its own.

Its checks, statuses, audit actions and fact metrics come from ``signup_rules`` (the ORM path applies
the same functions); a refusal is explained from what the statement read, by the same functions,
without another query.

* **Places** (first come, first served): ``take`` is ONE conditional UPDATE of the activity's row
  (open, not started, ``signed_up < capacity``, and no live sign-up of the worker in the statement's
  snapshot); everything else is written only from ``take``'s row, so a full activity writes nothing.
  Concurrent sign-ups queue on that one row lock (the contended part, as on the ORM path); the check
  constraint ``signed_up <= capacity`` stays the last judge.
* **The same worker twice at once**: both pass the duplicate check in their snapshots; the second
  sign-up INSERT then violates the partial unique constraint ``orgs_signup_one_live`` and the whole
  statement — the place taken included — is undone: 409 ``duplicate_signup``, as on the ORM path.
  A worker joining the roll from two activities of the same team at once violates
  ``orgs_volunteer_user_unique``: the statement is run once more (the row now exists).
* **No personal data decrypted**: the phone look-up uses the account's blind index (the same digest
  as the roll's: purpose ``phone``), and a new roll row gets the account's phone as stored (the same
  ciphertext format and key), so the request never decrypts or encrypts a phone."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, connection, transaction

from yugong.accounts.models import User
from yugong.core import timeutil
from yugong.core.audit import audit_who
from yugong.core.db import one_statement_enabled, prepared_cursor
from yugong.core.facts import fact_record_sql, fact_recorded
from yugong.core.models import AuditEvent
from yugong.core.pii import mask_name

from ..models import ServiceActivity, ServiceSignup, Volunteer, VolunteerTeam
from . import signup_rules

SIGNUP_UNIQUE = "orgs_signup_one_live"
# A new roll row clashing with one made at the same moment (the same account, hence the same phone).
VOLUNTEER_UNIQUE = frozenset({"orgs_volunteer_user_unique", "orgs_volunteer_phone_unique"})


def fast_path_applies() -> bool:
    """PostgreSQL, enabled (``ORGS_SIGNUP_ONE_STATEMENT``, default on) and outside a caller's
    transaction (inside one the ORM path runs: same rules, same rows)."""
    return one_statement_enabled("ORGS_SIGNUP_ONE_STATEMENT", outside_transaction=True)


# ``a`` the activity and its team's union; ``dup`` the worker's live sign-up; ``take`` the place;
# ``mine`` the worker's row on the roll, ``entered`` the row staff entered with the worker's phone
# (the first as the ORM orders the roll: name, id), ``relink`` links/reactivates either, ``joined``
# a new row when neither exists (without the phone when another account's row holds it); ``s`` the
# sign-up; ``au_*`` the audit rows; ``f_*`` the facts.
# Everything written hangs on ``take``.
_ONE_STATEMENT = """
WITH a AS (
    SELECT sa.id, sa.status, sa.starts_at, t.id AS team_id, t.union_id
    FROM {activity} sa JOIN {team} t ON t.id = sa.team_id WHERE sa.id = %(aid)s
), u AS (
    SELECT phone, phone_index FROM {user} WHERE id = %(uid)s
), dup AS (
    SELECT 1 FROM {signup} WHERE activity_id = %(aid)s AND user_id = %(uid)s AND status = %(live)s
), take AS (
    UPDATE {activity} sa SET signed_up = sa.signed_up + 1 FROM a
    WHERE sa.id = %(aid)s AND a.id = sa.id AND sa.status = %(open)s AND sa.starts_at > %(now)s
        AND sa.signed_up < sa.capacity AND NOT EXISTS (SELECT 1 FROM dup)
    RETURNING sa.id, a.team_id, a.union_id
), mine AS (
    SELECT v.id, v.active FROM {volunteer} v, a WHERE v.team_id = a.team_id AND v.user_id = %(uid)s
), entered AS (
    SELECT v.id FROM {volunteer} v, a, u
    WHERE v.team_id = a.team_id AND v.user_id IS NULL AND u.phone_index <> ''
        AND v.phone_index = u.phone_index AND NOT EXISTS (SELECT 1 FROM mine)
    ORDER BY v.name, v.id LIMIT 1
), relink AS (
    UPDATE {volunteer} v SET user_id = %(uid)s, active = true FROM take
    WHERE v.id IN (SELECT id FROM entered UNION ALL SELECT id FROM mine WHERE NOT mine.active)
    RETURNING v.id
), joined AS (
    INSERT INTO {volunteer} (team_id, user_id, name, phone, phone_index, skills, active, created_at)
    SELECT take.team_id, %(uid)s, %(name)s,
        CASE WHEN held.id IS NULL THEN u.phone ELSE '' END,
        CASE WHEN held.id IS NULL THEN u.phone_index ELSE '' END, '', true, %(now)s
    FROM take CROSS JOIN u LEFT JOIN LATERAL (
        SELECT v.id FROM {volunteer} v
        WHERE v.team_id = take.team_id AND u.phone_index <> '' AND v.phone_index = u.phone_index LIMIT 1
    ) held ON true
    WHERE NOT EXISTS (SELECT 1 FROM mine) AND NOT EXISTS (SELECT 1 FROM entered)
    RETURNING id
), vol AS (
    SELECT id FROM mine UNION ALL SELECT id FROM entered UNION ALL SELECT id FROM joined
), s AS (
    INSERT INTO {signup} (activity_id, volunteer_id, user_id, status, created_at)
    SELECT take.id, vol.id, %(uid)s, %(live)s, %(now)s FROM take, vol
    RETURNING id, volunteer_id
), au_join AS (
    INSERT INTO {audit} (at, actor_id, actor_label, action, object_type, object_id, object_repr, union_id,
        ip, request_id, changes, extra)
    SELECT %(now)s, %(actor_id)s, %(actor_label)s, %(join_action)s, %(volunteer_type)s, joined.id::text,
        %(masked_name)s, take.union_id, %(ip)s::inet, %(request_id)s, '{{}}'::jsonb, '{{}}'::jsonb
    FROM joined, take
), au_signup AS (
    INSERT INTO {audit} (at, actor_id, actor_label, action, object_type, object_id, object_repr, union_id,
        ip, request_id, changes, extra)
    SELECT %(now)s, %(actor_id)s, %(actor_label)s, %(signup_action)s, %(signup_type)s, s.id::text,
        take.id::text || ':' || %(uid)s::text, take.union_id, %(ip)s::inet, %(request_id)s,
        '{{}}'::jsonb, '{{}}'::jsonb
    FROM s, take
), f_join AS (
    {fact_join}
), f_signup AS (
    {fact_signup}
)
SELECT a.id, a.status, a.starts_at, a.union_id, EXISTS (SELECT 1 FROM dup), s.id, s.volunteer_id,
    (SELECT count(*) FROM joined)
FROM (SELECT 1) AS one LEFT JOIN a ON true LEFT JOIN s ON true
"""


def _sql(fact_join: str, fact_signup: str) -> str:
    return _ONE_STATEMENT.format(
        activity=ServiceActivity._meta.db_table,
        team=VolunteerTeam._meta.db_table,
        user=User._meta.db_table,
        signup=ServiceSignup._meta.db_table,
        volunteer=Volunteer._meta.db_table,
        audit=AuditEvent._meta.db_table,
        fact_join=fact_join,
        fact_signup=fact_signup,
    )


def _renamed(sql: str, params: dict[str, Any], prefix: str) -> tuple[str, dict[str, Any]]:
    """Two facts in one statement: the second's ``fact_*`` parameters under their own names."""
    return sql.replace("%(fact_", f"%({prefix}_"), {prefix + k[len("fact") :]: v for k, v in params.items()}


def _violated(exc: IntegrityError) -> str:
    cause = exc.__cause__
    return str(getattr(getattr(cause, "diag", None), "constraint_name", "") or "")


def service_signup_one_statement(*, actor: User, activity_id: int) -> ServiceSignup:  # audited-in-sql
    """Sign ``actor`` up in ONE statement. Returns the sign-up as written; raises the ORM path's
    refusals otherwise (404 for a missing or cancelled activity, 409 ``signup_closed``,
    ``duplicate_signup`` or ``full``)."""
    at = timeutil.now()
    fact_join, join_params = fact_record_sql(
        metric=signup_rules.JOINED_METRIC,
        source="joined, take",
        union_sql="take.union_id",
        buffered=signup_rules.FACTS_BUFFERED,
    )
    fact_join, join_sql_params = _renamed(fact_join, join_params, "fjoin")
    fact_signup, signup_params = fact_record_sql(
        metric=signup_rules.SIGNUP_METRIC,
        source="s, take",
        union_sql="take.union_id",
        buffered=signup_rules.FACTS_BUFFERED,
    )
    name = signup_rules.volunteer_name(actor)
    params = {
        "aid": int(activity_id),
        "uid": actor.pk,
        "now": at,
        "name": name,
        "masked_name": mask_name(name)[:200],
        **signup_rules.sql_params(),
        **join_sql_params,
        **signup_params,
        **audit_who(actor),
    }
    sql = _sql(fact_join, fact_signup)

    def run() -> Any:
        with prepared_cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()

    def attempt() -> Any:
        if connection.in_atomic_block:  # called directly inside a transaction (tests): a savepoint
            with transaction.atomic():
                return run()
        return run()

    try:
        try:
            row = attempt()
        except IntegrityError as exc:
            if _violated(exc) not in VOLUNTEER_UNIQUE:
                raise
            # The worker joined the roll from another sign-up at this very moment: their row
            # exists now, so the same statement finds it.
            row = attempt()
    except IntegrityError as exc:
        if _violated(exc) == SIGNUP_UNIQUE:  # the same worker signing up twice at once
            raise signup_rules.already_signed_up() from None
        raise
    a_id, a_status, starts_at, union_id, dup, signup_id, volunteer_id, joined = row
    if signup_id is not None:
        if joined:
            fact_recorded(join_params, union_id=union_id)
        fact_recorded(signup_params, union_id=union_id)
        signup = ServiceSignup(
            id=signup_id,
            activity_id=a_id,
            volunteer_id=volunteer_id,
            user_id=actor.pk,
            status=ServiceSignup.Status.ACTIVE,
            created_at=at,
        )
        signup._state.adding = False
        return signup
    # Nothing written: explain it from what was read, with the ORM path's rules.
    refusal = signup_rules.activity_refusal(status=a_status, starts_at=starts_at, at=at)
    if refusal:
        raise refusal
    if dup:
        raise signup_rules.already_signed_up()
    raise signup_rules.full()
