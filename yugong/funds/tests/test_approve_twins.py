"""One rule, two paths (issue 14, speed): every refusal of a spending approval is driven through the
PostgreSQL one statement (``commitment_sql.approve_one_statement``, what the API runs there) and
through the ORM path (``selectors.commitment_get`` + ``services.commitment_approve``), and the two
must agree (same error class, status, code, message and fields). A successful approval writes the
same rows on both: the request, the line, the ledger entry, the audit row and the cockpit fact.

Both tiers: a request above ``FUNDS_SECOND_APPROVAL_FEN`` takes a first approval (recorded, nothing
reserved) and a second by another leader (reserves); the statement does both, with its threshold
and statuses from ``commitment_rules`` (the ORM path's ``needs_first_approval`` reads the same).

The console's 批准 button (``funds:commitment_action`` approve, the first and the second approval
alike) calls the API's service (``services.commitment_approve_id``): every case is driven through the
page as well, and it must answer what the statement answers (a refusal as its 403/404 page, a
conflict as the flashed message) and write the same rows.

The one statement exists only on PostgreSQL, so this file runs there."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.db.models import Sum
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.helpers import UserFactory, grant, requires_postgres
from yugong.core.audit import audit_who
from yugong.core.errors import ApplicationError, Conflict
from yugong.core.models import AuditEvent, DailyFact
from yugong.funds import ledger, selectors, services
from yugong.funds.models import BudgetLine, Commitment, LedgerEntry
from yugong.funds.services.commitment_rules import APPROVE_ACTION, FIRST_APPROVE_ACTION, RESERVED_METRIC
from yugong.funds.services.commitment_sql import approve_one_statement

from .factories import FundsWorld, build_world

pytestmark = [requires_postgres, pytest.mark.postgres, pytest.mark.django_db]

SMALL, BIG = 100_000, 600_000  # under and over FUNDS_SECOND_APPROVAL_FEN (500,000)


def _orm(actor: Any, pk: int) -> Commitment:
    return services.commitment_approve(actor=actor, commitment=selectors.commitment_get(actor, pk))


def _fast(actor: Any, pk: int) -> Commitment:
    return approve_one_statement(actor, pk)


class PageAnswered(Conflict):
    """What the page showed instead of a success: the flashed error (a 302 back to the list)."""


def _page(actor: Any, pk: int) -> Commitment:
    """The console's button: POST, follow the redirect; a refusal is the page's own error."""
    client = Client()
    client.force_login(actor)
    r = client.post(reverse("funds:commitment_action", args=[pk, "approve"]) + "?status=pending", follow=True)
    if r.status_code != 200:
        raise r.context["error"]  # 403/404: core.middleware rendered the service's refusal
    errors = [str(m) for m in r.context["messages"] if m.level_tag == "error"]
    if errors:
        raise PageAnswered(errors[0])
    assert r.redirect_chain[-1][0].endswith("?status=pending")
    return Commitment.objects.get(pk=pk)


def _ask(w: FundsWorld, amount: int = SMALL, *, by: Any = None) -> Commitment:
    return services.commitment_request(actor=by or w.preparer, line=w.line, amount_fen=amount, purpose="春游")


def _hotline(w: FundsWorld) -> Any:
    user = UserFactory()
    grant(user, w.company, "hotline")
    return user


def _nobody(w: FundsWorld) -> Any:
    return UserFactory()


def _fill_line(w: FundsWorld) -> Commitment:
    ask = _ask(w, 400_000)
    for _ in range(2):
        services.commitment_approve(actor=w.chair, commitment=_ask(w, 400_000))
    return ask


def _closed_line(w: FundsWorld) -> Commitment:
    ask = _ask(w)
    BudgetLine.objects.filter(pk=w.line.pk).update(open=False)
    return ask


def _already(w: FundsWorld) -> Commitment:
    ask = _ask(w)
    services.commitment_approve(actor=w.chair, commitment=ask)
    return ask


def _rejected(w: FundsWorld) -> Commitment:
    ask = _ask(w)
    services.commitment_reject(actor=w.chair, commitment=ask, reason="不符合规定")
    return ask


def _first_by(w: FundsWorld, *, by: Any, first: Any) -> Commitment:
    ask = _ask(w, BIG, by=by)
    services.commitment_approve(actor=first, commitment=ask)
    return ask


def _reject(ask: Commitment, w: FundsWorld) -> Commitment:
    services.commitment_reject(actor=w.vice_chair, commitment=ask, reason="超出标准")
    return ask


def _first_by_chair(w: FundsWorld) -> Commitment:
    ask = _ask(w, BIG)
    services.commitment_approve(actor=w.chair, commitment=ask)
    return ask


# name -> (arrange: the request to approve, who approves)
CASES: dict[str, tuple[Callable[[FundsWorld], Commitment | None], Callable[[FundsWorld], Any]]] = {
    "reserves": (_ask, lambda w: w.chair),
    "vice chair reserves": (_ask, lambda w: w.vice_chair),
    "overdraw": (_fill_line, lambda w: w.chair),
    "line closed": (_closed_line, lambda w: w.chair),
    "already reserved": (_already, lambda w: w.vice_chair),
    "rejected": (_rejected, lambda w: w.vice_chair),
    "self approval": (lambda w: _ask(w, by=w.chair), lambda w: w.chair),
    "first of two": (lambda w: _ask(w, BIG), lambda w: w.chair),
    "first of two by the vice chair": (lambda w: _ask(w, BIG), lambda w: w.vice_chair),
    "first of two, more than the line has left": (
        lambda w: (_ask(w, BIG), _fill_to(w, 500_000))[0],
        lambda w: w.vice_chair,
    ),
    "first of two on a closed line": (
        lambda w: (_ask(w, BIG), BudgetLine.objects.filter(pk=w.line.pk).update(open=False))[0],
        lambda w: w.chair,
    ),
    "first of two, own request": (lambda w: _ask(w, BIG, by=w.chair), lambda w: w.chair),
    "first of two, staff cannot": (lambda w: _ask(w, BIG), lambda w: w.preparer),
    "first of two, auditor cannot": (lambda w: _ask(w, BIG), lambda w: w.auditor),
    "first of two, another union": (lambda w: _ask(w, BIG), lambda w: w.outsider),
    "at the threshold one approval reserves": (lambda w: _ask(w, 500_000), lambda w: w.chair),
    "just above the threshold": (lambda w: _ask(w, 500_001), lambda w: w.chair),
    "second approver's own request": (
        lambda w: _first_by(w, by=w.vice_chair, first=w.chair),
        lambda w: w.vice_chair,
    ),
    "second approval of a rejected request": (
        lambda w: _reject(_first_by_chair(w), w),
        lambda w: w.vice_chair,
    ),
    "second approver is the first": (_first_by_chair, lambda w: w.chair),
    "second approver completes": (_first_by_chair, lambda w: w.vice_chair),
    "second approval, overdraw": (
        lambda w: (_first_by_chair(w), _fill_to(w, 500_000))[0],
        lambda w: w.vice_chair,
    ),
    "staff cannot approve": (_ask, lambda w: w.preparer),
    "finance cannot approve": (_ask, lambda w: w.finance),
    "auditor reads but cannot approve": (_ask, lambda w: w.auditor),
    "chair of another union": (_ask, lambda w: w.outsider),
    "hotline sees nothing": (_ask, _hotline),
    "no role at all": (_ask, _nobody),
    "missing request": (lambda w: None, lambda w: w.chair),
}


def _fill_to(w: FundsWorld, amount: int) -> None:
    """Reserve ``amount`` of the line through other requests (each approved by the chair)."""
    services.commitment_approve(actor=w.vice_chair, commitment=_ask(w, amount - 100_000))
    services.commitment_approve(actor=w.vice_chair, commitment=_ask(w, 100_000))


def _outcome(path: Callable[[Any, int], Commitment], name: str) -> dict[str, Any]:
    arrange, who = CASES[name]
    w = build_world()
    ask = arrange(w)
    actor = who(w)
    pk = ask.pk if ask is not None else 999_999_999
    try:
        done = path(actor, pk)
    except ApplicationError as exc:
        return {
            "error": type(exc).__name__,
            "status": exc.status,
            "code": exc.code,
            "message": str(exc.message),
            "fields": getattr(exc, "fields", None),
            "line_reserved": BudgetLine.objects.get(pk=w.line.pk).reserved_fen,
        }
    row = Commitment.objects.get(pk=pk)
    line = BudgetLine.objects.get(pk=w.line.pk)
    returned = {f: getattr(done, f) for f in ("status", "reserved_fen", "approver_id", "first_approver_id")}
    stored = {f: getattr(row, f) for f in ("status", "reserved_fen", "approver_id", "first_approver_id")}
    assert returned == stored, (returned, stored)
    entries = LedgerEntry.objects.filter(ref_type="funds.commitment", ref_id=pk, kind="budget_reserve")
    audit = AuditEvent.objects.filter(object_type="funds.commitment", object_id=str(pk)).order_by("pk").last()
    assert audit is not None
    who_ids = {w.chair.pk: "chair", w.vice_chair.pk: "vice_chair", None: None}
    return {
        "status": row.status,
        "reserved_fen": row.reserved_fen,
        "approver": who_ids[row.approver_id],
        "first_approver": who_ids[row.first_approver_id],
        "approved_at set": row.approved_at is not None,
        "first_approved_at set": row.first_approved_at is not None,
        "line_reserved": line.reserved_fen,
        "entries": [
            (
                e.memo,
                e.union_id == w.company.pk,
                e.refs,
                e.external_ref,
                sorted(e.lines.values_list("account", "amount_fen")),
            )
            for e in entries
        ],
        "accounts": (
            ledger.balance(ledger.budget_reserved(line.pk)),
            ledger.balance(ledger.budget_available(line.pk)),
        ),
        "audit": (
            audit.action,
            audit.actor_id == actor.pk,
            audit.actor_label == audit_who(actor)["actor_label"],
            audit.object_repr,
            audit.union_id == w.company.pk,
            audit.changes,
            audit.extra,
        ),
        "fact": DailyFact.objects.filter(metric=RESERVED_METRIC, union_id=w.company.pk).aggregate(
            s=Sum("value")
        )["s"],
        "trial_balance": ledger.trial_balance(),
    }


def _normalise(outcome: dict[str, Any]) -> dict[str, Any]:
    # Account names carry the line's id, which differs between the two worlds.
    out = dict(outcome)
    if "entries" in out:
        out["entries"] = [
            (memo, mine, refs, ext, [(a.split(":")[0], v) for a, v in lines])
            for memo, mine, refs, ext, lines in out["entries"]
        ]
    return out


def _as_page_shows(outcome: dict[str, Any]) -> dict[str, Any]:
    """A conflict or a bad input (409/422) is flashed on the list; a refusal is its own page."""
    out = dict(outcome)
    if "error" in out and out["status"] not in (403, 404):
        out.update(error="PageAnswered", status=409, code=PageAnswered.code, fields={})
    return out


@pytest.mark.parametrize("name", list(CASES))
def test_the_console_button_is_the_same_approval(name: str) -> None:
    page = _normalise(_outcome(_page, name))
    if name == "no role at all":  # the console itself is closed to an account without a union role
        assert (page["status"], page["code"], page["line_reserved"]) == (403, "forbidden", 0)
        return
    assert page == _as_page_shows(_normalise(_outcome(_fast, name)))


@pytest.mark.parametrize("amount", [SMALL, BIG])
def test_the_console_button_is_one_statement_either_tier(amount: int) -> None:
    w = build_world()
    ask = _ask(w, amount)
    client = Client()
    client.force_login(w.chair)
    client.get(reverse("funds:commitments"))  # warm the session
    with CaptureQueriesContext(connection) as ctx:
        r = client.post(reverse("funds:commitment_action", args=[ask.pk, "approve"]))
    assert r.status_code == 302
    writes = [q["sql"] for q in ctx.captured_queries if "funds_" in q["sql"]]
    assert len(writes) == 1, writes
    ask.refresh_from_db()
    assert ask.status == ("reserved" if amount == SMALL else "first_approved")
    if amount == BIG:  # the second leader's click on the same button reserves, one statement again
        client.force_login(w.vice_chair)
        client.get(reverse("funds:commitments"))
        with CaptureQueriesContext(connection) as ctx:
            client.post(reverse("funds:commitment_action", args=[ask.pk, "approve"]))
        assert len([q for q in ctx.captured_queries if "funds_" in q["sql"]]) == 1
        ask.refresh_from_db()
        assert ask.status == "reserved" and ask.approver_id == w.vice_chair.pk


@pytest.mark.parametrize("name", list(CASES))
def test_both_paths_agree(name: str) -> None:
    orm = _normalise(_outcome(_orm, name))
    fast = _normalise(_outcome(_fast, name))
    assert fast == orm
    if name in {"reserves", "vice chair reserves", "second approver completes"}:
        assert orm["status"] == Commitment.Status.RESERVED and orm["audit"][0] == APPROVE_ACTION
        assert orm["trial_balance"] == 0 and orm["fact"] == orm["reserved_fen"]
    if name.startswith("first of two") and "error" not in orm:
        assert orm["status"] == Commitment.Status.FIRST_APPROVED and orm["audit"][0] == FIRST_APPROVE_ACTION
        assert orm["entries"] == []  # a first approval reserves nothing


def test_a_first_of_two_approvals_is_the_statement_too() -> None:
    w = build_world()
    ask = _ask(w, BIG)
    done = approve_one_statement(w.chair, ask.pk)
    assert done.status == Commitment.Status.FIRST_APPROVED and done.first_approver_id == w.chair.pk
    ask.refresh_from_db()
    assert ask.status == Commitment.Status.FIRST_APPROVED and ask.first_approver_id == w.chair.pk
    assert ask.first_approved_at == done.first_approved_at
    assert BudgetLine.objects.get(pk=w.line.pk).reserved_fen == 0  # nothing reserved yet
    assert not LedgerEntry.objects.filter(ref_type="funds.commitment", ref_id=ask.pk).exists()
    done = approve_one_statement(w.vice_chair, ask.pk)
    assert done.status == Commitment.Status.RESERVED and done.approver_id == w.vice_chair.pk
    assert BudgetLine.objects.get(pk=w.line.pk).reserved_fen == BIG


@pytest.mark.parametrize("amount", [SMALL, BIG])
def test_an_approval_through_the_api_is_one_statement_either_tier(client: Any, amount: int) -> None:
    w = build_world()
    ask = _ask(w, amount)
    client.force_login(w.chair)
    client.get("/api/v1/funds/budgets")  # warm the session
    with CaptureQueriesContext(connection) as ctx:
        r = client.post(f"/api/v1/funds/commitments/{ask.pk}/approve", content_type="application/json")
    assert r.status_code == 200, r.content
    assert r.json()["status"] == ("reserved" if amount == SMALL else "first_approved")
    assert r.json()["first_approver_id"] == (None if amount == SMALL else w.chair.pk)
    assert len([q for q in ctx.captured_queries if "funds_" in q["sql"]]) == 1


def test_an_approval_through_the_api_is_one_statement(client: Any) -> None:
    w = build_world()
    ask = _ask(w)
    client.force_login(w.chair)
    client.get("/api/v1/funds/budgets")  # warm the session
    with CaptureQueriesContext(connection) as ctx:
        r = client.post(f"/api/v1/funds/commitments/{ask.pk}/approve", content_type="application/json")
    assert r.status_code == 200, r.content
    assert r.json()["status"] == "reserved" and r.json()["reserved_fen"] == SMALL
    writes = [q["sql"] for q in ctx.captured_queries if "funds_" in q["sql"]]
    assert len(writes) == 1, writes  # lock, check, reserve, ledger, audit, fact: one statement
    # The request's own: the session's user and the grants (the test's transaction adds savepoints).
    others = [
        q["sql"] for q in ctx.captured_queries if "funds_" not in q["sql"] and "SAVEPOINT" not in q["sql"]
    ]
    assert len(others) <= 2, others


def test_a_refusal_through_the_api_is_explained_without_another_query(client: Any) -> None:
    w = build_world()
    ask = _fill_line(w)
    client.force_login(w.chair)
    client.get("/api/v1/funds/budgets")
    with CaptureQueriesContext(connection) as ctx:
        r = client.post(f"/api/v1/funds/commitments/{ask.pk}/approve", content_type="application/json")
    assert r.status_code == 409 and r.json()["code"] == "budget_exceeded"
    assert len([q for q in ctx.captured_queries if "funds_" in q["sql"]]) == 1
