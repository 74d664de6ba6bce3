"""Paying a frozen cash cycle: the set-based path (PostgreSQL, ``INSERT … SELECT`` through
``funds.services.bank_sql``) and the line-by-line path (one ``batch_line_add`` per household, the
export spending each; SQLite's path) write the same rows — batch, lines (payee, account in clear,
amount, purpose, status, the commitment they spend), the list's statuses and lines, every ledger
entry with its accounts and amounts, every audit row, the commitment's and the budget line's money
and the cockpit facts — and refuse the same things with the same errors, writing nothing.

Two cycles of one campaign list the same households (once per cycle, twice across cycles); one is
paid by each path and the writes are compared after ids are replaced by their order."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.db.models import Sum

from tests.helpers import UserFactory, grant, requires_postgres
from yugong.assistance import services as s
from yugong.assistance.models import Beneficiary, CampaignCycle, HardshipFile
from yugong.core.errors import ApplicationError
from yugong.core.models import AuditEvent, DailyFact
from yugong.funds import ledger
from yugong.funds.models import BudgetLine, Commitment, LedgerEntry, LedgerLine, PayoutBatch, PayoutLine
from yugong.members.models import Person

from .campaign_world import World, active_file, build_world, campaign, cycle
from .conftest import LINE, Tree

pytestmark = [requires_postgres, pytest.mark.postgres, pytest.mark.django_db]


@pytest.fixture
def world(tree: Tree, settings: Any) -> World:
    settings.FUNDS_SECOND_APPROVAL_FEN = 10**12  # one leader freezes the lists
    return build_world(tree, amount_fen=10**10)


def _frozen(world: World, c: CampaignCycle) -> CampaignCycle:
    s.cycle_build(actor=world.tree.yz_staff, cycle=c)
    s.cycle_submit(actor=world.tree.yz_staff, cycle=c)
    return s.cycle_approve(actor=world.chair, cycle=c)


def _two_cycles(world: World, n: int = 7) -> tuple[CampaignCycle, CampaignCycle]:
    t = world.tree
    for i in range(n):
        union = t.store if i % 2 else t.yuzhong
        active_file(union, income_fen=LINE - 1 if i % 3 else LINE, students=i % 2)
    camp = campaign(world)
    amounts = {"deep": 100_000, "relative": 50_000, "per_student": 20_000}
    a = _frozen(world, cycle(world, camp, name="甲批", amounts=amounts))
    b = _frozen(world, cycle(world, camp, name="乙批", amounts=amounts))
    return a, b


def _pay(world: World, c: CampaignCycle, path: str, settings: Any, actor: Any = None) -> dict[str, Any]:
    """Pay ``c`` by ``path`` and return what it wrote, ids replaced by their order."""
    settings.ASSISTANCE_PAY_PATH = path
    marks = {
        "audit": AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0,
        "entry": LedgerEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0,
    }
    line = BudgetLine.objects.get(pk=world.line.pk)
    facts = dict(DailyFact.objects.values_list("metric", "value"))
    batch = s.cycle_pay(actor=actor or world.finance, cycle=c)
    c.refresh_from_db()
    lines = list(PayoutLine.objects.filter(batch=batch).order_by("pk"))
    ids: dict[tuple[str, Any], str] = {("funds.payoutline", str(x.pk)): f"L{k}" for k, x in enumerate(lines)}
    ids[("funds.commitment", str(c.commitment_id))] = "C"
    ids[("funds.payoutbatch", str(batch.pk))] = "B"
    ids[("assistance.campaigncycle", str(c.pk))] = "Y"
    numbers = {x.number: f"N{k}" for k, x in enumerate(lines)}

    def norm(text: str) -> str:
        return re.sub(r"YG\d{10,}", lambda m: numbers.get(m.group(0), "?"), text.replace(c.name, "<cycle>"))

    after = BudgetLine.objects.get(pk=world.line.pk)
    commitment = Commitment.objects.get(pk=c.commitment_id)
    entries = LedgerEntry.objects.filter(pk__gt=marks["entry"]).order_by("pk")
    return {
        "batch": (
            batch.kind,
            batch.status,
            norm(batch.title),
            batch.total_fen,
            batch.line_count,
            batch.bank_format,
            batch.cash_account,
            batch.exported_at is not None,
        ),
        "lines": [
            (
                x.payee_name,
                x.account_no,
                x.bank_name,
                x.amount_fen,
                x.purpose,
                x.debit_account,
                x.commitment_id == c.commitment_id,
                x.status,
                x.retry_of_id,
            )
            for x in lines
        ],
        "list": sorted(
            (r.household_id, r.status, ids.get(("funds.payoutline", str(r.payout_line_id))))
            for r in Beneficiary.objects.filter(cycle=c)
        ),
        "entries": [
            (
                e.kind,
                norm(e.memo),
                e.union_id,
                e.ref_type,
                ids.get((e.ref_type, str(e.ref_id))),
                e.refs,
                e.external_ref,
                [(x.account, x.amount_fen) for x in LedgerLine.objects.filter(entry=e).order_by("pk")],
            )
            for e in entries
        ],
        "audit": sorted(
            repr(
                (
                    a.action,
                    a.actor_id,
                    a.actor_label,
                    a.object_type,
                    ids.get((a.object_type, a.object_id), a.object_id),
                    norm(a.object_repr),
                    a.union_id,
                    a.ip,
                    a.changes,
                    {
                        k: ids.get(("funds.payoutbatch", str(v)), v) if k == "batch" else v
                        for k, v in a.extra.items()
                    },
                )
            )
            for a in AuditEvent.objects.filter(pk__gt=marks["audit"])
        ),  # the set path writes each kind of row together, the line-by-line path interleaves them
        "commitment": (commitment.reserved_fen, commitment.spent_fen, commitment.status),
        "budget_line": (
            after.reserved_fen - line.reserved_fen,
            after.spent_fen - line.spent_fen,
        ),
        "facts": {
            m: v - facts.get(m, 0)
            for m, v in DailyFact.objects.values("metric").annotate(v=Sum("value")).values_list("metric", "v")
            if v != facts.get(m, 0)
        },
        "cycle": c.status,
    }


def test_both_paths_write_the_same_rows(world: World, settings: Any) -> None:
    a, b = _two_cycles(world)
    set_based = _pay(world, a, "set", settings)
    rows = _pay(world, b, "rows", settings)
    assert set_based == rows
    # and what they wrote is the payment: every household once, the reservation consumed exactly
    assert len(set_based["lines"]) == 7 == len(set_based["list"])
    assert set_based["commitment"] == (0, a.total_fen, Commitment.Status.CLOSED)
    assert set_based["budget_line"] == (-a.total_fen, a.total_fen)
    assert len(set_based["entries"]) == 7 and all(len(e[-1]) == 4 for e in set_based["entries"])
    assert ledger.trial_balance() == 0 and ledger.unbalanced_entries() == []
    assert ledger.balance(ledger.BANK_CLEARING) == -2 * a.total_fen
    assert PayoutLine.objects.filter(batch__kind=PayoutBatch.Kind.AID).count() == 14


def test_the_set_path_copies_the_card_and_cleans_spaces_like_the_rows_path(
    world: World, settings: Any
) -> None:
    a, b = _two_cycles(world, n=2)
    spaced = Beneficiary.objects.filter(cycle=a).order_by("pk").first()
    assert spaced is not None
    HardshipFile.objects.filter(pk=spaced.file_id).update(bank_card="6222 0200 1234 5678")
    set_based = _pay(world, a, "set", settings)
    rows = _pay(world, b, "rows", settings)
    assert set_based["lines"] == rows["lines"]
    assert "6222020012345678" in [x[1] for x in set_based["lines"]]


def _no_card(world: World, c: CampaignCycle) -> None:
    row = Beneficiary.objects.filter(cycle=c).order_by("pk")[2]
    HardshipFile.objects.filter(pk=row.file_id).update(bank_card="")


def _bad_card(world: World, c: CampaignCycle) -> None:
    row = Beneficiary.objects.filter(cycle=c).order_by("pk")[1]
    HardshipFile.objects.filter(pk=row.file_id).update(bank_card="12ab")


def _over(world: World, c: CampaignCycle) -> None:
    row = Beneficiary.objects.filter(cycle=c).order_by("pk")[0]
    Beneficiary.objects.filter(pk=row.pk).update(amount_fen=row.amount_fen + 1)


def _zero(world: World, c: CampaignCycle) -> None:
    row = Beneficiary.objects.filter(cycle=c).order_by("pk")[3]
    Beneficiary.objects.filter(pk=row.pk).update(amount_fen=0)


def _no_name(world: World, c: CampaignCycle) -> None:
    row = Beneficiary.objects.filter(cycle=c).order_by("pk")[4]
    Person.objects.filter(pk=row.household_id).update(name=" ")


def _not_frozen(world: World, c: CampaignCycle) -> None:
    CampaignCycle.objects.filter(pk=c.pk).update(status=CampaignCycle.Status.SUBMITTED)


def _released(world: World, c: CampaignCycle) -> None:
    Commitment.objects.filter(pk=c.commitment_id).update(status=Commitment.Status.CLOSED)


REFUSALS: dict[str, Callable[[World, CampaignCycle], None]] = {
    "no card": _no_card,
    "bad card": _bad_card,
    "over the reservation": _over,
    "zero amount": _zero,
    "no payee name": _no_name,
    "not frozen": _not_frozen,
    "reservation closed": _released,
}


def _refusal(world: World, c: CampaignCycle, path: str, settings: Any, actor: Any = None) -> tuple[Any, ...]:
    settings.ASSISTANCE_PAY_PATH = path
    before = (PayoutBatch.objects.count(), LedgerEntry.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ApplicationError) as exc:
        s.cycle_pay(actor=actor or world.finance, cycle=c)
    after = (PayoutBatch.objects.count(), LedgerEntry.objects.count(), AuditEvent.objects.count())
    assert after == before, "a refusal writes nothing"
    err = exc.value
    return (type(err).__name__, getattr(err, "code", None), str(err), getattr(err, "fields", None))


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_both_paths_refuse_alike(world: World, settings: Any, case: str) -> None:
    a, b = _two_cycles(world, n=5)
    for c in (a, b):
        REFUSALS[case](world, c)
    # households are shared by the two cycles: a change to a file or a person shows in both
    assert _refusal(world, a, "set", settings) == _refusal(world, b, "rows", settings)


def test_both_paths_refuse_a_staff_member_who_is_not_finance(world: World, settings: Any) -> None:
    a, b = _two_cycles(world, n=2)
    staff = UserFactory()
    grant(staff, world.tree.yuzhong, "staff")
    got = _refusal(world, a, "set", settings, actor=staff)
    assert got == _refusal(world, b, "rows", settings, actor=staff)
    assert got[0] == "PermissionDenied"
