"""The beneficiary list of a cycle: the rules, the amounts, and the two ways of writing the list.

One rule in one place: :func:`eligible` is the only statement of who is on a cycle's list and for
how much. It is a queryset of the active files annotated with their children in school
(``students``) and their aid (``aid_fen``, from :func:`amount_expression`), filtered by
:func:`rules_q` (tier, cause, children in school) inside the cycle's area, minus the households
already on the list. Both writers take their rows from it:

* :func:`_insert_set_based` — the path the services use: one ``INSERT … SELECT`` compiled by the ORM
  from that queryset (PostgreSQL and SQLite alike). The rows never travel through Python: a
  100,000-household list is written in about the time of the query, memory stays flat.
* :func:`_insert_streamed` — the same rows streamed through the ORM and bulk-inserted in chunks
  (the path before the set-based one; ``ASSISTANCE_BUILD_PATH = "streamed"`` selects it). Kept as
  the twin the tests compare the set-based path with, rule combination by rule combination.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Cast

from yugong.orgs.models import Union
from yugong.orgs.tree import in_subtrees

from ..models import Beneficiary, CampaignCycle, HardshipFile, Tier

AMOUNT_KEYS = (*Tier.values, "per_student")
BUILD_CHUNK = 2000

# The columns of a listed row, in the order both writers fill them.
_COLUMNS = (
    "cycle_id",
    "file_id",
    "household_id",
    "union_id",
    "tier",
    "students",
    "amount_fen",
    "status",
    "added_by_hand",
    "note",
    "receipt_signed_by",
    "receipt_image",
)


@dataclass(frozen=True)
class Rules:
    """A cycle's list rules, cleaned. Empty ``tiers`` / ``causes`` mean "any"."""

    tiers: tuple[str, ...]
    causes: tuple[str, ...]
    area_union_id: int | None
    in_school: bool

    @classmethod
    def of(cls, data: Mapping[str, Any]) -> Rules:
        return cls(
            tiers=tuple(data.get("tiers") or ()),
            causes=tuple(data.get("causes") or ()),
            area_union_id=data.get("area_union_id"),
            in_school=bool(data.get("in_school")),
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "tiers": list(self.tiers),
            "causes": list(self.causes),
            "area_union_id": self.area_union_id,
            "in_school": self.in_school,
        }


def students() -> Count:
    """The number of the household's children in school (an annotation)."""
    return Count("household", filter=Q(household__in_school=True))


def amount_expression(amounts: Mapping[str, int]) -> Any:
    """The aid of one household (fen) as a database expression over ``tier`` and the ``students``
    annotation: the amount of its tier plus ``per_student`` per child in school."""
    by_tier = [When(tier=t, then=Value(int(amounts.get(t, 0) or 0))) for t in Tier.values]
    per_student = int(amounts.get("per_student", 0) or 0)
    return Case(*by_tier, default=Value(0), output_field=IntegerField()) + Value(per_student) * Cast(
        "students", IntegerField()
    )


def _cause_q(cause: str) -> Q:
    """The file names ``cause`` among its causes (a JSON list of slugs). PostgreSQL: jsonb
    containment. Elsewhere: the quoted slug inside the stored JSON text — exact, because slugs are
    validated against :class:`~yugong.assistance.models.Cause` and hold no quote."""
    if connection.vendor == "postgresql":
        return Q(causes__contains=[cause])
    return Q(causes__icontains=json.dumps(cause))


def rules_q(rules: Rules) -> Q:
    """The rule part of eligibility over files annotated with ``students``."""
    q = ~Q(tier="")
    if rules.tiers:
        q &= Q(tier__in=rules.tiers)
    if rules.causes:
        any_cause = Q()
        for cause in rules.causes:
            any_cause |= _cause_q(cause)
        q &= any_cause
    if rules.in_school:
        q &= Q(students__gte=1)
    return q


def area_of(cycle: CampaignCycle) -> Union:
    area_id = Rules.of(cycle.rules).area_union_id
    if area_id is None:
        return cycle.campaign.union
    return Union.objects.get(pk=area_id)


def eligible(cycle: CampaignCycle) -> QuerySet[HardshipFile]:
    """THE list rule: the active files of the cycle's area that meet its rules, with ``students``
    and ``aid_fen`` annotated, minus households already on the list (added by hand); a cash cycle
    leaves out households whose aid comes to nothing. Ordered by file."""
    qs = (
        HardshipFile.objects.filter(in_subtrees(area_of(cycle).path or ""), status=HardshipFile.Status.ACTIVE)
        .annotate(students=students())
        .annotate(aid_fen=amount_expression(cycle.amounts))
        .filter(rules_q(Rules.of(cycle.rules)))
        .exclude(Exists(Beneficiary.objects.filter(cycle_id=cycle.pk, household_id=OuterRef("applicant_id"))))
    )
    if cycle.mode == CampaignCycle.Mode.CASH:
        qs = qs.filter(aid_fen__gt=0)
    return qs.order_by("pk")


def _row_values(cycle: CampaignCycle) -> QuerySet[Any]:
    return (
        eligible(cycle)
        .annotate(
            _cycle=Value(cycle.pk, output_field=IntegerField()),
            _status=Value(Beneficiary.Status.LISTED),
            _hand=Value(False, output_field=BooleanField()),
            _note=Value(""),
            _signed=Value(""),
            _image=Value(""),
        )
        .values_list(
            "_cycle",
            "pk",
            "applicant_id",
            "union_id",
            "tier",
            "students",
            "aid_fen",
            "_status",
            "_hand",
            "_note",
            "_signed",
            "_image",
        )
    )


def _insert_set_based(cycle: CampaignCycle) -> int:
    """Write the cycle's rule-built rows in one ``INSERT … SELECT`` (the caller holds the cycle's
    lock and has cleared the old rule-built rows). Returns the rows written."""
    sql, params = _row_values(cycle).query.sql_with_params()
    table = connection.ops.quote_name(Beneficiary._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(c) for c in _COLUMNS)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and connection.in_atomic_block:
            # The grouping sort of 100,000 files fits in memory instead of spilling to disk.
            cursor.execute("SET LOCAL work_mem = '64MB'")
        cursor.execute(f"INSERT INTO {table} ({columns}) {sql}", params)  # noqa: S608 - compiled by the ORM
        return int(cursor.rowcount)


def _insert_streamed(cycle: CampaignCycle) -> int:
    """The same rows streamed through the ORM and inserted in chunks of ``BUILD_CHUNK``."""
    written = 0
    chunk: list[Beneficiary] = []
    for row in _row_values(cycle).iterator(chunk_size=BUILD_CHUNK):
        chunk.append(Beneficiary(**dict(zip(_COLUMNS, row, strict=True))))
        if len(chunk) >= BUILD_CHUNK:
            written += len(Beneficiary.objects.bulk_create(chunk))
            chunk = []
    if chunk:
        written += len(Beneficiary.objects.bulk_create(chunk))
    return written


def _insert_rows(cycle: CampaignCycle) -> int:
    if getattr(settings, "ASSISTANCE_BUILD_PATH", "set") == "streamed":
        return _insert_streamed(cycle)
    return _insert_set_based(cycle)
