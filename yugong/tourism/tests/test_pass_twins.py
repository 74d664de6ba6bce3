"""The gate's two admit paths agree (PostgreSQL): the one statement (``services/pass_sql.py``) and
the ORM path (``passes._verify``) take their rules from the same functions (``pass_rules``, the QR's
``qr_message``/``qr_key_pads``/``qr_time_refusal``, ``access.staff_rows``, ``spots.pool_take_sql``).

* The statement alone — called directly, without the Python checks in front of it, so its SQL
  predicates are what is tested — writes nothing exactly when the ORM path refuses (or answers 404),
  and admits exactly when the ORM path admits.
* Through ``pass_verify``, the fast path (the statement, then the ORM path for what it does not
  admit) and the ORM path alone give the same outcome for every case — admitted, already in today,
  expired, revoked, wrong spot, bad token, a gate without access, … — and write the same rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from tests.helpers import UserFactory, requires_postgres
from yugong.core.audit import audit_who
from yugong.core.errors import NotFound
from yugong.core.facts import fact_total
from yugong.core.models import AuditEvent
from yugong.core.timeutil import SHANGHAI, local_today, now
from yugong.funds import ledger
from yugong.funds.models import LedgerEntry, LedgerLine
from yugong.tourism.access import access_merchant_object
from yugong.tourism.api.gate import VerifyOut, verify_data
from yugong.tourism.models import AnnualPass, MerchantStaff, PassEntry, PassSpot, ReviewStatus
from yugong.tourism.services import (
    pass_batch_approve,
    pass_batch_request,
    pass_qr_token,
    pass_sql,
    pass_verify,
    passes,
)
from yugong.tourism.services.pass_sql import admit_one_statement, fast_path_applies
from yugong.tourism.services.passes import _parse, _verify
from yugong.tourism.services.spots import pool_balance

from .factories import World, build_world, funded_line, make_member, make_merchant, set_pool

pytestmark = [requires_postgres, pytest.mark.postgres]


def _passes(world: World, n: int = 1) -> list[AnnualPass]:
    people = [world.person.pk] + [make_member(world.company)[1].pk for _ in range(n - 1)]
    batch = pass_batch_request(
        actor=world.union_staff,
        union=world.company,
        year=local_today().year,
        price_fen=15000,
        person_ids=people,
        budget_line=funded_line(world.company),
    )
    issued = pass_batch_approve(actor=world.chair, batch=batch)
    set_pool(local_today().year, world.spot.rate_fen * 100, rows=4)  # every row covers an entry
    return issued


# --- The cases: what is changed before the scan, and how the scan is made ---------------------------


class Scan:
    """One scan: who scans, at which spot, with which code (defaults: the spot's gate, a fresh QR)."""

    def __init__(self, world: World, ap: AnnualPass) -> None:
        self.world, self.ap = world, ap
        self.actor: Any = world.other_staff
        self.spot_id: Any = world.spot.pk
        self.at = now()
        self.token = pass_qr_token(ap, at=self.at)


def _admitted(s: Scan) -> None:
    return None


def _revoked(s: Scan) -> None:
    AnnualPass.objects.filter(pk=s.ap.pk).update(status=AnnualPass.Status.REVOKED)


def _last_year(s: Scan) -> None:
    AnnualPass.objects.filter(pk=s.ap.pk).update(year=s.ap.year - 1)


def _spot_pending(s: Scan) -> None:
    PassSpot.objects.filter(pk=s.world.spot.pk).update(status=ReviewStatus.PENDING)


def _spot_paused(s: Scan) -> None:
    PassSpot.objects.filter(pk=s.world.spot.pk).update(active=False)


def _blackout(s: Scan) -> None:
    PassSpot.objects.filter(pk=s.world.spot.pk).update(
        blackout_dates=["2020-01-01", local_today().isoformat()]
    )


def _used_today(s: Scan) -> None:
    PassEntry.objects.create(
        spot=s.world.spot,
        annual_pass=s.ap,
        day=local_today(),
        result=PassEntry.Result.OK,
        verified_by=s.actor,
    )


def _used_today_no_rule(s: Scan) -> None:
    """Entered today already, at a spot without the once-a-day rule: admitted again."""
    PassSpot.objects.filter(pk=s.world.spot.pk).update(one_entry_per_day=False)
    _used_today(s)


def _pool_short(s: Scan) -> None:
    set_pool(s.ap.year, s.world.spot.rate_fen - 1)


def _free_spot(s: Scan) -> None:
    """A spot with no rate: admitted, no money moves, no ledger entry."""
    PassSpot.objects.filter(pk=s.world.spot.pk).update(rate_fen=0)
    set_pool(s.ap.year, 0)


def _daily_limit(s: Scan) -> None:
    """A daily limit: the statement leaves it to the ORM path (which admits here)."""
    PassSpot.objects.filter(pk=s.world.spot.pk).update(daily_limit=5)


def _daily_limit_full(s: Scan) -> None:
    PassSpot.objects.filter(pk=s.world.spot.pk).update(daily_limit=1, one_entry_per_day=False)
    _used_today(s)


def _expired(s: Scan) -> None:
    s.token = pass_qr_token(s.ap, at=s.at - dt.timedelta(seconds=passes.QR_MAX_AGE + 1))


def _future(s: Scan) -> None:
    s.token = pass_qr_token(s.ap, at=s.at + dt.timedelta(seconds=passes.QR_FUTURE_SKEW + 5))


def _bad_signature(s: Scan) -> None:
    head, sig = s.token.rsplit(".", 1)
    s.token = f"{head}.{'0' * len(sig)}"


def _short_signature(s: Scan) -> None:
    """The first characters of the right signature only: refused (a prefix is not the HMAC)."""
    s.token = s.token[:-4]


def _other_secret(s: Scan) -> None:
    """The pass's secret changed after the QR was made (a re-issued pass)."""
    AnnualPass.objects.filter(pk=s.ap.pk).update(secret="another-secret")


def _garbage(s: Scan) -> None:
    s.token = "YGP1.not-a-number.1.abc"


def _unknown_pass(s: Scan) -> None:
    s.token = passes.pass_qr_token(AnnualPass(id=s.ap.pk + 10_000, secret=s.ap.secret), at=s.at)


def _huge_pass_id(s: Scan) -> None:
    s.token = f"YGP1.{2**70}.{int(s.at.timestamp())}.abc"


def _wrong_spot(s: Scan) -> None:
    """Another merchant's spot: 404 (never 403)."""
    other, _staff = make_merchant(s.world.city, name="别家景区", kind="scenic")
    s.spot_id = PassSpot.objects.create(
        merchant=other, name="别家", rate_fen=100, status=ReviewStatus.APPROVED
    ).pk


def _no_such_spot(s: Scan) -> None:
    s.spot_id = 999_999_999


def _merchant_without_access(s: Scan) -> None:
    """A gate whose staff row was deactivated (or a user with no merchant): 404."""
    MerchantStaff.objects.filter(user=s.actor).update(active=False)


def _stranger(s: Scan) -> None:
    s.actor = UserFactory(display_name="路人")


def _inactive_user(s: Scan) -> None:
    type(s.actor).objects.filter(pk=s.actor.pk).update(is_active=False)
    s.actor.is_active = False


CASES: dict[str, Callable[[Scan], None]] = {
    "admitted": _admitted,
    "revoked": _revoked,
    "last_year": _last_year,
    "spot_pending": _spot_pending,
    "spot_paused": _spot_paused,
    "blackout": _blackout,
    "used_today": _used_today,
    "used_today_no_rule": _used_today_no_rule,
    "pool_short": _pool_short,
    "free_spot": _free_spot,
    "daily_limit": _daily_limit,
    "daily_limit_full": _daily_limit_full,
    "expired": _expired,
    "future": _future,
    "bad_signature": _bad_signature,
    "short_signature": _short_signature,
    "other_secret": _other_secret,
    "garbage": _garbage,
    "unknown_pass": _unknown_pass,
    "huge_pass_id": _huge_pass_id,
    "wrong_spot": _wrong_spot,
    "no_such_spot": _no_such_spot,
    "merchant_without_access": _merchant_without_access,
    "stranger": _stranger,
    "inactive_user": _inactive_user,
}
ADMITTED = {"admitted", "used_today_no_rule", "free_spot", "daily_limit"}
NOT_FOUND = {"wrong_spot", "no_such_spot", "merchant_without_access", "stranger", "inactive_user"}
# Decided before the statement (the QR's form and age, the user's own flags: no database needed) or left by it to the
# ORM path (a daily limit): the statement alone would not refuse these.
NOT_THE_STATEMENTS = {
    "expired",
    "future",
    "garbage",
    "huge_pass_id",
    "inactive_user",
    "daily_limit",
    "daily_limit_full",
}


def _written() -> dict[str, Any]:
    """Everything a verification writes, by content (no ids)."""
    year = local_today().year
    entries = sorted(
        PassEntry.objects.values_list(
            "spot_id", "annual_pass_id", "day", "result", "reason", "rate_fen", "once_a_day", "verified_by_id"
        ),
        key=repr,
    )
    audits = sorted(
        (a.actor_id, a.actor_label, a.object_type, a.union_id, sorted(a.extra.items()), a.object_repr)
        for a in AuditEvent.objects.filter(action="tourism.pass_verify")
    )
    ledgers = sorted(
        (
            e.kind,
            e.memo,
            e.union_id,
            e.ref_type,
            e.ref_id,
            e.refs,
            sorted(LedgerLine.objects.filter(entry=e).values_list("account", "amount_fen")),
        )
        for e in LedgerEntry.objects.filter(kind="pass_entry")
    )
    return {
        "entries": entries,
        "audits": audits,
        "ledgers": ledgers,
        "pool": pool_balance(year),
        "facts": fact_total(metric="tourism.entries"),
    }


def _orm_outcome(s: Scan) -> str:
    """The ORM path alone (the access check, then ``_verify``): 'ok', the refusal's reason, or 404."""
    try:
        spot = access_merchant_object(PassSpot.objects.all(), s.actor, s.spot_id)
    except NotFound:
        return "404"
    day = s.at.astimezone(SHANGHAI).date()
    entry = _verify(s.actor, spot, s.token, s.at, day)
    return "ok" if entry.result == PassEntry.Result.OK else entry.reason


@pytest.mark.django_db
@pytest.mark.parametrize("case", sorted(set(CASES) - NOT_THE_STATEMENTS))
def test_the_statement_admits_exactly_when_the_orm_path_does(case: str) -> None:
    world = build_world()
    (ap,) = _passes(world)
    scan = Scan(world, ap)
    CASES[case](scan)
    qr = _parse(scan.token)
    assert qr is not None and qr.fits_bigint()
    day = scan.at.astimezone(SHANGHAI).date()
    before = _written()
    with transaction.atomic():
        fast = admit_one_statement(actor=scan.actor, spot_id=int(scan.spot_id), qr=qr, at=scan.at, day=day)
        fast_written = _written()
        transaction.set_rollback(True)
    orm = _orm_outcome(scan)
    assert (fast is not None) == (orm == "ok") == (case in ADMITTED), (case, orm)
    assert (orm == "404") == (case in NOT_FOUND), (case, orm)
    if fast is None:
        assert fast_written == before, "a refused statement wrote something"
    else:
        # What the ORM path wrote for the same scan, against what the statement wrote.
        assert fast_written == _written(), case


@pytest.mark.django_db(transaction=True)
def test_both_paths_agree_on_every_outcome_and_the_rows_written(settings: Any) -> None:
    """Through ``pass_verify`` (outside a transaction, so the fast path applies): every case's scan
    on equal data (a world each), once with the one statement on and once with it off, gives the
    same answer and writes the same rows. One test for all cases: a transactional test's flush
    costs more than the cases."""
    for case, change in CASES.items():
        outcomes: list[Any] = []
        written: list[dict[str, Any]] = []
        for one_statement in (True, False):
            settings.TOURISM_PASS_ONE_STATEMENT = one_statement
            world = build_world()
            (ap,) = _passes(world)
            scan = Scan(world, ap)
            change(scan)
            assert fast_path_applies() == one_statement
            marks = _marks()
            before = _written()
            try:
                entry = pass_verify(actor=scan.actor, token=scan.token, spot_id=scan.spot_id, at=scan.at)
            except NotFound:
                outcomes.append("404")
            else:
                data = verify_data(entry)
                VerifyOut.model_validate(data)  # the answer sent without a second validation fits
                stored = PassEntry.objects.get(pk=entry.pk)
                assert (stored.result, stored.at, stored.reason) == (entry.result, entry.at, entry.reason)
                shown = {k: v for k, v in data.items() if k not in {"entry_id", "at"}}
                if shown["pass_number"] == ap.number:
                    shown["pass_number"] = "NUMBER"
                outcomes.append(shown)
            after = _written()
            written.append(
                {
                    "pool": after["pool"] - before["pool"],
                    "facts": after["facts"] - before["facts"],
                    **_new_rows(marks, world, ap, scan),
                }
            )
        assert outcomes[0] == outcomes[1], case
        assert written[0] == written[1], case
        assert (outcomes[0] == "404") == (case in NOT_FOUND), case
        assert (outcomes[0] != "404" and outcomes[0]["ok"]) == (case in ADMITTED), (case, outcomes[0])
        assert written[0]["entries"] or case in NOT_FOUND, f"{case}: every verification is logged"


def _marks() -> tuple[int, int, int]:
    def top(model: Any) -> int:
        return int(model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0)

    return top(PassEntry), top(AuditEvent), top(LedgerEntry)


def _new_rows(marks: tuple[int, int, int], world: World, ap: AnnualPass, scan: Scan) -> dict[str, Any]:
    """The rows a scan added, this world's ids replaced by their roles (the two runs use two worlds)."""
    roles = {
        ("spot", world.spot.pk): "SPOT",
        ("pass", ap.pk): "PASS",
        ("user", getattr(scan.actor, "pk", None)): "ACTOR",
        ("merchant", world.other_merchant.pk): "MERCHANT",
    }

    label = audit_who(scan.actor)["actor_label"]

    def role(kind: str, pk: Any) -> Any:
        return roles.get((kind, pk), pk)

    def text(value: str) -> str:
        head, at, tail = value.partition(f"@{world.spot.pk} ")  # an entry's repr: "<pass>@<spot> <day>"
        if at:
            value = ("PASS" if head == str(ap.pk) else head) + "@SPOT " + tail
        value = value.replace(ap.number, "NUMBER")
        return value.replace(f"merchant_payable:{world.other_merchant.pk}", "merchant_payable:MERCHANT")

    entries = [
        (role("spot", e.spot_id), role("pass", e.annual_pass_id), e.day, e.result, e.reason, e.rate_fen)
        + (e.once_a_day, role("user", e.verified_by_id))
        for e in PassEntry.objects.filter(pk__gt=marks[0]).order_by("pk")
    ]
    audits = [
        (
            role("user", a.actor_id),
            "LABEL" if a.actor_label == label else a.actor_label,
            a.object_type,
            a.union_id,
            text(a.object_repr),
        )
        + ((a.extra["result"], role("spot", a.extra["spot"]), role("pass", a.extra["pass"])),)
        for a in AuditEvent.objects.filter(pk__gt=marks[1], action="tourism.pass_verify").order_by("pk")
    ]
    ledgers = [
        (e.kind, text(e.memo), e.union_id, e.ref_type, role("merchant", e.ref_id))
        + ({k: role("merchant", v) for k, v in (e.refs or {}).items()},)
        + (sorted((text(acc), amt) for acc, amt in e.lines.values_list("account", "amount_fen")),)
        for e in LedgerEntry.objects.filter(pk__gt=marks[2]).order_by("pk")
    ]
    return {"entries": entries, "audits": audits, "ledgers": ledgers}


@pytest.mark.django_db(transaction=True)
def test_an_admission_is_one_statement_and_writes_what_the_orm_path_writes(settings: Any) -> None:
    """Through ``pass_verify``: the fast path is ONE statement — no access read, no pass read — and
    its rows (entry, pool, ledger lines, fact, audit) equal the ORM path's."""
    world = build_world()
    fast_pass, orm_pass = _passes(world, 2)
    pool_before = pool_balance(fast_pass.year)

    def admit(ap: AnnualPass) -> tuple[PassEntry, list[Any]]:
        with CaptureQueriesContext(connection) as ctx:
            entry = pass_verify(actor=world.other_staff, token=pass_qr_token(ap), spot_id=world.spot.pk)
        return entry, [q["sql"] for q in ctx.captured_queries]

    fast, fast_sql = admit(fast_pass)
    settings.TOURISM_PASS_ONE_STATEMENT = False
    orm, orm_sql = admit(orm_pass)
    assert fast.result == orm.result == PassEntry.Result.OK
    # The cockpit's fact listener (after commit, the same for both paths) is not the admission's.
    mine = [q for q in fast_sql if "cockpit_" not in q]
    assert len(mine) == 1, fast_sql
    assert "FOR UPDATE" in mine[0] and "tourism_merchantstaff" in mine[0] and "sha256" in mine[0]
    assert len(fast_sql) < len(orm_sql)
    assert pool_balance(fast_pass.year) == pool_before - 2 * world.spot.rate_fen

    def rows(entry: PassEntry) -> dict[str, Any]:
        stored = PassEntry.objects.get(pk=entry.pk)
        audit = AuditEvent.objects.get(action="tourism.pass_verify", object_id=str(entry.pk))
        ledger_entry = LedgerEntry.objects.get(
            kind="pass_entry", memo__startswith=f"pass {stored.annual_pass.number}"
        )
        lines = sorted(LedgerLine.objects.filter(entry=ledger_entry).values_list("account", "amount_fen"))
        return {
            "entry": (
                stored.spot_id,
                stored.day,
                stored.result,
                stored.reason,
                stored.rate_fen,
                stored.once_a_day,
                stored.verified_by_id,
            ),
            "audit": (
                audit.actor_id,
                audit.actor_label,
                audit.object_type,
                audit.object_repr == str(stored),
                audit.union_id,
                {k: v for k, v in audit.extra.items() if k != "pass"},
            ),
            "audit_pass": audit.extra["pass"] == stored.annual_pass_id,
            "ledger": (
                ledger_entry.memo.split(" @ ")[1],
                ledger_entry.ref_type,
                ledger_entry.ref_id,
                ledger_entry.refs,
                ledger_entry.union_id,
                lines,
            ),
        }

    assert rows(fast) == rows(orm)
    assert fact_total(metric="tourism.entries", dim="pass") == 2
    assert ledger.balance(ledger.merchant_payable(world.other_merchant.pk)) == -2 * world.spot.rate_fen
    assert fast.annual_pass is not None and fast.annual_pass.holder_name == fast_pass.holder_name
    assert fast.annual_pass.number == fast_pass.number and fast.spot.name == world.spot.name


@pytest.mark.django_db
def test_the_sql_signature_is_the_python_hmac() -> None:
    """The statement's HMAC (sha256 over the key's pads) is the QR's own signature."""
    ipad, opad = passes.qr_key_pads()
    message = passes.qr_message(12345, 1_700_000_000, "") + "s3cr3t-秘"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT left(encode(sha256(%s::bytea || sha256(%s::bytea || convert_to(%s::text, 'UTF8'))), 'hex'), %s)",
            [opad, ipad, message, passes.SIG_LEN],
        )
        (in_sql,) = cursor.fetchone()
    assert in_sql == passes._sign(12345, 1_700_000_000, "s3cr3t-秘")
    assert ledger.merchant_payable(7) == "merchant_payable:7"
    assert "merchant_payable:" in ledger.merchant_payable_sql("x")
    assert pass_sql.Qr(1, 2, "x").fits_bigint() and not pass_sql.Qr(2**63, 2, "x").fits_bigint()
