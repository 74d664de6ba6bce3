"""The one double-entry ledger of the platform: every money movement of every app is one
:class:`LedgerEntry` whose :class:`LedgerLine` amounts sum to zero, written by the service that
moves the money, inside its transaction (:func:`post` raises before writing anything unbalanced).

Sign: positive = debit, negative = credit. Accounts are strings, so a new counterparty needs no
migration. The platform's accounts (tourism and every scenario that takes money):

* ``platform_cash`` — money the platform holds at its gateway / bank;
* ``union_funds:<union>`` — a union's funds spent through the platform (group orders, passes);
* ``merchant_payable:<merchant>`` — what the platform owes a merchant (credit balance);
* ``commission_income`` — the platform's commission;
* ``pass_pool`` — annual-pass money, paid out to spots per entry (the pooled scheme);
* ``bank_clearing`` — payouts sent to the bank and not yet confirmed;
* ``payout_suspense:<union>`` — payouts the bank returned as failed, owed until followed up.

A union's own books (``yugong.funds.services``):

* ``funds_cash:<union>`` — the union's money (debit balance);
* ``funds_income:<union>:<kind>`` — income received by kind (credit balance);
* ``funds_expense:<line>`` — money spent on a budget line (debit balance).

Budget execution is kept as memorandum accounts in the same ledger, so that a reservation or a
release is a ledger row too, and the line's figures can be proven from the books:

* ``budget_appropriation:<union>`` — the approved budgets (credit balance);
* ``budget_available:<line>`` / ``budget_reserved:<line>`` / ``budget_spent:<line>`` — their
  debit balances equal ``BudgetLine.available_fen`` / ``reserved_fen`` / ``spent_fen``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Model, QuerySet, Sum

from .models import LedgerEntry, LedgerLine

PLATFORM_CASH = "platform_cash"
COMMISSION = "commission_income"
PASS_POOL = "pass_pool"  # noqa: S105 - an account name, not a secret
BANK_CLEARING = "bank_clearing"


def union_funds(union_id: int) -> str:
    return f"union_funds:{union_id}"


_MERCHANT_PAYABLE = "merchant_payable:"


def merchant_payable(merchant_id: int) -> str:
    return f"{_MERCHANT_PAYABLE}{merchant_id}"


def merchant_payable_sql(merchant_id_sql: str) -> str:
    """:func:`merchant_payable` as a SQL expression over ``merchant_id_sql`` (a fast path that writes
    its ledger lines inside its own statement)."""
    return f"('{_MERCHANT_PAYABLE}' || ({merchant_id_sql})::text)"


def funds_cash(union_id: int) -> str:
    return f"funds_cash:{union_id}"


def funds_income(union_id: int, kind: str) -> str:
    return f"funds_income:{union_id}:{kind}"


def funds_expense(line_id: int) -> str:
    return f"funds_expense:{line_id}"


def payout_suspense(union_id: int) -> str:
    """Payouts the bank returned as failed: still owed to the payee until a follow-up pays them."""
    return f"payout_suspense:{union_id}"


def budget_appropriation(union_id: int) -> str:
    return f"budget_appropriation:{union_id}"


# Prefixes of the per-line memorandum accounts (the approval's one statement builds the names in SQL).
BUDGET_AVAILABLE = "budget_available:"
BUDGET_RESERVED = "budget_reserved:"


def budget_available(line_id: int) -> str:
    return f"{BUDGET_AVAILABLE}{line_id}"


def budget_reserved(line_id: int) -> str:
    return f"{BUDGET_RESERVED}{line_id}"


def budget_spent(line_id: int) -> str:
    return f"budget_spent:{line_id}"


class UnbalancedEntry(ValueError):
    pass


def commission_of(amount_fen: int, rate_bp: int) -> int:
    """Commission in fen, rounded half up (integer arithmetic only)."""
    return (amount_fen * rate_bp + 5000) // 10000


def post(
    *,
    kind: str,
    lines: Iterable[tuple[str, int]],
    memo: str = "",
    union_id: int | None = None,
    ref: Model | None = None,
    external_ref: str = "",
    **refs: Any,
) -> LedgerEntry:
    """Write one balanced entry. The caller is inside the transaction of the change it records.

    ``ref`` is the object that caused the movement (kept as ``ref_type``/``ref_id``); further
    objects may be named as keyword arguments (``order=…, payment=…``): the first of them becomes
    the reference when ``ref`` is not given, and all are kept in ``refs`` by id."""
    rows = [(account, int(amount)) for account, amount in lines if int(amount) != 0]
    if sum(amount for _, amount in rows) != 0:
        raise UnbalancedEntry(f"ledger entry does not balance: {rows}")
    named = {name: obj for name, obj in refs.items() if obj is not None}
    primary: Model | None = ref if ref is not None else next(iter(named.values()), None)  # type: ignore[arg-type]
    entry = LedgerEntry.objects.create(
        kind=kind,
        memo=memo[:200],
        union_id=union_id,
        ref_type=primary._meta.label_lower if primary is not None else "",
        ref_id=primary.pk if primary is not None else None,
        refs={name: obj.pk for name, obj in named.items()},
        external_ref=external_ref[:64],
    )
    LedgerLine.objects.bulk_create(LedgerLine(entry=entry, account=a, amount_fen=v) for a, v in rows)
    return entry


def balance(account: str) -> int:
    return int(LedgerLine.objects.filter(account=account).aggregate(s=Sum("amount_fen"))["s"] or 0)


def balances(accounts: Iterable[str]) -> dict[str, int]:
    """Balances of several accounts in one grouped query (missing accounts are 0)."""
    wanted = list(dict.fromkeys(accounts))
    out = dict.fromkeys(wanted, 0)
    for row in LedgerLine.objects.filter(account__in=wanted).values("account").annotate(s=Sum("amount_fen")):
        out[row["account"]] = int(row["s"] or 0)
    return out


def _lines(entries: QuerySet[LedgerEntry] | None) -> QuerySet[LedgerLine]:
    lines = LedgerLine.objects.all()
    return lines if entries is None else lines.filter(entry__in=entries.values("pk"))


def trial_balance(entries: QuerySet[LedgerEntry] | None = None) -> int:
    """The sum of every line (of ``entries`` when given): zero when the books balance."""
    return int(_lines(entries).aggregate(s=Sum("amount_fen"))["s"] or 0)


def unbalanced_entries(entries: QuerySet[LedgerEntry] | None = None) -> list[tuple[int, int]]:
    """(entry id, sum) for every entry (of ``entries`` when given) whose lines do not sum to zero —
    one grouped query."""
    return [
        (row["entry_id"], int(row["s"]))
        for row in _lines(entries).values("entry_id").annotate(s=Sum("amount_fen")).exclude(s=0)
    ]
