"""The double-entry ledger: every money movement is one ``LedgerEntry`` whose ``LedgerLine`` amounts
sum to zero, written by the service that moves the money, inside its transaction.

Sign: positive = debit, negative = credit. Accounts (strings, so a new counterparty needs no
migration):

* ``platform_cash`` — money the platform holds at its gateway / bank;
* ``union_funds:<union id>`` — a union's funds spent through the platform (group orders, passes);
* ``merchant_payable:<merchant id>`` — what the platform owes a merchant (credit balance);
* ``commission_income`` — the platform's commission;
* ``pass_pool`` — annual-pass money, paid out to spots per entry (the pooled scheme).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet, Sum

from .models import LedgerEntry, LedgerLine

PLATFORM_CASH = "platform_cash"
COMMISSION = "commission_income"
PASS_POOL = "pass_pool"  # noqa: S105 - an account name, not a secret


def union_funds(union_id: int) -> str:
    return f"union_funds:{union_id}"


def merchant_payable(merchant_id: int) -> str:
    return f"merchant_payable:{merchant_id}"


class UnbalancedEntry(ValueError):
    pass


def commission_of(amount_fen: int, rate_bp: int) -> int:
    """Commission in fen, rounded half up (integer arithmetic only)."""
    return (amount_fen * rate_bp + 5000) // 10000


def post(*, kind: str, lines: Iterable[tuple[str, int]], memo: str = "", **refs: Any) -> LedgerEntry:
    """Write one balanced entry. The caller is inside the transaction of the change it records."""
    rows = [(account, int(amount)) for account, amount in lines if int(amount) != 0]
    if sum(amount for _, amount in rows) != 0:
        raise UnbalancedEntry(f"ledger entry does not balance: {rows}")
    entry = LedgerEntry.objects.create(kind=kind, memo=memo[:200], **refs)
    LedgerLine.objects.bulk_create(LedgerLine(entry=entry, account=a, amount_fen=v) for a, v in rows)
    return entry


def balance(account: str) -> int:
    return int(LedgerLine.objects.filter(account=account).aggregate(s=Sum("amount_fen"))["s"] or 0)


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
