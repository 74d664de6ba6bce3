"""Annual-pass spots and the pass pool.

* **Enrolment**: a merchant's admin (负责人) applies with the spot's terms (per-entry rate, daily
  limit, 川渝 tag, address and position); the city federation approves or rejects (platform staff
  holding a role at a root union: the pass pool is the city's money); the merchant may pause and
  resume an approved spot. A spot admits pass holders only when approved and active. Changing the
  terms is a new application (back to pending, off the pass until approved).
* **The pool** (:class:`~yugong.tourism.models.PassPool`, per pass year): an approved pass
  purchase pays in; every admitted entry pays the spot's rate out with a conditional UPDATE
  (``balance_fen >= rate``), and a CHECK constraint keeps every row at or above zero. A year's money
  is held in ``TOURISM_PASS_POOL_SLOTS`` rows, spread evenly at every pay-in: an admission takes
  the rate from ONE row that has it and that no other admission holds right now (``FOR UPDATE SKIP
  LOCKED``, preferring the pass's own slot; when every such row is held it waits for one, in slot
  order), so concurrent admissions no longer queue on one row's lock until each commit's WAL
  flush.
  :func:`pool_take_sql` is that statement, for both admit paths; the rule stays "the year's total
  covers the rate": when no single row does (the last fen of a year), :func:`pool_take` takes it
  from several rows under all of the year's row locks.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Sum
from django.utils.translation import gettext as _

from yugong.accounts.models import User
from yugong.core.audit import audit_record
from yugong.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from yugong.core.timeutil import now
from yugong.core.validators import clean_text
from yugong.orgs.access import can_act
from yugong.orgs.models import Union

from ..access import PLATFORM_ROLES, merchant_ids, platform_scope
from ..models import MerchantStaff, PassPool, PassSpot, ReviewStatus

MAX_RATE_FEN = 100_000  # 1,000 yuan per entry: anything above is a typing error
MAX_DAILY_LIMIT = 1_000_000
TERMS = ("name", "region", "district", "address", "summary", "lat", "lng", "rate_fen", "daily_limit")


# --- The pool ---------------------------------------------------------------------------------


def pool_slots() -> int:
    return max(1, int(getattr(settings, "TOURISM_PASS_POOL_SLOTS", 16)))


def pool_pay_in(*, year: int, amount_fen: int) -> None:
    """Caller's transaction: a pass purchase adds ``amount_fen`` to the year's pool, and the year's
    money is spread evenly over its rows again (under their locks, in slot order)."""
    if amount_fen <= 0:
        return
    with transaction.atomic():
        PassPool.objects.bulk_create(
            [PassPool(year=year, slot=k) for k in range(pool_slots())], ignore_conflicts=True
        )
        rows = list(PassPool.objects.select_for_update().filter(year=year).order_by("slot"))
        share, rest = divmod(sum(r.balance_fen for r in rows) + amount_fen, len(rows))
        for k, row in enumerate(rows):
            row.balance_fen = share + (1 if k < rest else 0)
        rows[0].paid_in_fen += amount_fen
        PassPool.objects.bulk_update(rows, ["balance_fen", "paid_in_fen"])


def pool_take_sql(
    *, year: str, amount: str, prefer: str, guard: str = "TRUE", returning: bool = False
) -> str:
    """The UPDATE that takes ``amount`` from ONE row of the year's pool that has it and that no
    other admission holds right now (SKIP LOCKED); it NEVER waits for a lock. Rows are tried from
    the ``prefer`` (pass id) slot on, so concurrent admissions spread; that first slot is probed
    alone (by the ``(year, slot)`` index) before the others are read. No row taken (every row that
    has it held, or none has it): the caller decides — :func:`pool_take` waits in slot order.

    Why it must not wait: a SKIP LOCKED probe keeps the lock of a row whose newest version fails
    the re-check (``balance_fen >= amount`` after a concurrent take), so a statement that then
    waited for another row would hold one lock while waiting for the next, out of slot order — a
    deadlock with :func:`pool_take`'s several-row path, which holds rows in slot order
    (``test_concurrency.py``). ``year``/``amount``/``prefer`` are SQL (placeholders, pyformat:
    ``%`` is written ``%%``); ``guard`` a condition that must hold (the fast path's "everything
    else passed")."""
    pool = PassPool._meta.db_table
    n = pool_slots()
    where = f"year = {year} AND balance_fen >= {amount} AND {guard}"
    pick = f"SELECT id FROM {pool} WHERE {where} ORDER BY (slot + {prefer}) %% {n}, slot LIMIT 1"  # noqa: S608
    # The first slot of that order, found by the (year, slot) index: one row read, where the ordered
    # pick reads every slot's row (and their dead versions) to sort them.
    first = f"SELECT id FROM {pool} WHERE {where} AND slot = ({n} - ({prefer}) %% {n}) %% {n}"  # noqa: S608
    skip = " FOR UPDATE SKIP LOCKED" if connection.features.has_select_for_update_skip_locked else ""
    return _take_from(pool, amount, f"COALESCE(({first}{skip}), ({pick}{skip}))", returning)


def _take_from(pool: str, amount: str, row: str, returning: bool = False) -> str:
    return (
        f"UPDATE {pool} SET balance_fen = balance_fen - {amount}, paid_out_fen = paid_out_fen + {amount} "  # noqa: S608
        f"WHERE id = {row} AND balance_fen >= {amount}" + (" RETURNING id" if returning else "")
    )


def _take_one(sql: str, params: Mapping[str, Any]) -> bool:
    """Run a one-row take under a savepoint: kept when it took, else rolled back — with every row
    lock it left behind (rows locked but not returned), so the caller holds no pool row after a
    miss."""
    savepoint = transaction.savepoint()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        taken = cursor.rowcount == 1
    if taken:
        transaction.savepoint_commit(savepoint)
    else:
        transaction.savepoint_rollback(savepoint)
    return taken


def pool_take(*, year: int, amount_fen: int, prefer: int = 0, _unsafe_naive: bool = False) -> bool:
    """Caller's transaction: take ``amount_fen`` from the year's pool; False when the year's total
    has not enough (nothing taken). Three steps, each starting with no pool row held:

    1. a row nobody holds (:func:`pool_take_sql`, the fast path's statement; never waits);
    2. every row that has it held: wait for the first such row in slot order (rows whose re-check
       fails stay locked while the next is awaited — in slot order, like step 3);
    3. no single row has it (the year's last fen): several rows under all of the year's row locks,
       taken in slot order.

    Every wait happens in slot order, holding only lower slots, so admissions cannot deadlock. The
    CHECK constraint is the last judge."""
    if amount_fen <= 0:
        return True
    if _unsafe_naive:
        # TEST-ONLY control: read, decide in Python, write an absolute value (the lost update).
        row = (
            PassPool.objects.filter(year=year)
            .order_by("-balance_fen")
            .values_list("pk", "balance_fen")
            .first()
        )
        time.sleep(0.005)
        if row is None or row[1] < amount_fen:
            return False
        PassPool.objects.filter(pk=row[0]).update(
            balance_fen=row[1] - amount_fen, paid_out_fen=F("paid_out_fen") + amount_fen
        )
        return True
    params = {"year": year, "amount": amount_fen, "prefer": prefer}
    if _take_one(pool_take_sql(year="%(year)s", amount="%(amount)s", prefer="%(prefer)s"), params):
        return True
    if connection.features.has_select_for_update_skip_locked:
        pool = PassPool._meta.db_table
        wait = (
            f"(SELECT id FROM {pool} WHERE year = %(year)s AND balance_fen >= %(amount)s "  # noqa: S608
            "ORDER BY slot LIMIT 1 FOR UPDATE)"
        )
        if _take_one(_take_from(pool, "%(amount)s", wait), params):
            return True
    rows = list(PassPool.objects.select_for_update().filter(year=year).order_by("slot"))
    if sum(r.balance_fen for r in rows) < amount_fen:
        return False
    left = amount_fen
    for pool_row in sorted(rows, key=lambda r: -r.balance_fen):
        take = min(left, pool_row.balance_fen)
        pool_row.balance_fen -= take
        pool_row.paid_out_fen += take
        left -= take
    PassPool.objects.bulk_update(rows, ["balance_fen", "paid_out_fen"])
    return True


def pool_balance(year: int) -> int:
    return int(PassPool.objects.filter(year=year).aggregate(total=Sum("balance_fen"))["total"] or 0)


# --- Enrolment ------------------------------------------------------------------------------


def _number(data: Mapping[str, Any], key: str, errors: dict[str, Any], *, real: bool = False) -> Any:
    value = data.get(key)
    if value in (None, ""):
        return None
    try:
        return float(str(value)) if real else int(str(value))
    except (TypeError, ValueError):
        errors[key] = _("请填写有效的数字。") if real else _("请填写整数。")
        return None


def spot_values(data: Mapping[str, Any]) -> dict[str, Any]:
    """The terms of a spot from an application, checked; errors name the field in Chinese."""
    errors: dict[str, Any] = {}
    out: dict[str, Any] = {}
    out["name"] = clean_text(data.get("name"))[:120]
    if not out["name"]:
        errors["name"] = _("请填写景点名称。")
    region = data.get("region") or ""
    if region not in PassSpot.Region.values:
        errors["region"] = _("请选择重庆或四川。")
    out["region"] = region
    for key, size in (("district", 40), ("address", 200), ("summary", 200)):
        out[key] = clean_text(data.get(key))[:size]
    rate = _number(data, "rate_fen", errors)
    if rate is None and "rate_fen" not in errors:
        errors["rate_fen"] = _("请填写每人次结算价。")
    elif rate is not None and not 0 <= rate <= MAX_RATE_FEN:
        errors["rate_fen"] = _("每人次结算价应在 0 到 1000 元之间。")
    out["rate_fen"] = rate
    limit = _number(data, "daily_limit", errors)
    if limit is not None and not 1 <= limit <= MAX_DAILY_LIMIT:
        errors["daily_limit"] = _("每日接待上限应为正整数，不限请留空。")
    out["daily_limit"] = limit
    lat, lng = _number(data, "lat", errors, real=True), _number(data, "lng", errors, real=True)
    if lat is not None and not -90 <= lat <= 90:
        errors["lat"] = _("纬度应在 -90 到 90 之间。")
    if lng is not None and not -180 <= lng <= 180:
        errors["lng"] = _("经度应在 -180 到 180 之间。")
    if (lat is None) != (lng is None) and "lat" not in errors and "lng" not in errors:
        errors["lat" if lat is None else "lng"] = _("经纬度请同时填写，或都留空。")
    out["lat"], out["lng"] = lat, lng
    if "one_entry_per_day" in data:
        out["one_entry_per_day"] = data.get("one_entry_per_day") in (True, "1", "on", "true")
    if errors:
        raise ValidationFailed(fields=errors)
    return out


def owner_merchant(actor: User, merchant_id: Any) -> int:
    """The merchant ``actor`` is the admin (负责人) of; another merchant is 404, a clerk 403."""
    try:
        pk = int(merchant_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    if pk not in merchant_ids(actor):
        raise NotFound()
    if pk not in merchant_ids(actor, roles={MerchantStaff.Role.OWNER}):
        raise PermissionDenied(_("只有商户负责人可以申请或管理年票景点。"))
    return pk


def pass_spot_apply(
    *, actor: User, merchant_id: Any, data: Mapping[str, Any], spot: PassSpot | int | None = None
) -> PassSpot:
    """The merchant's admin applies for a new spot, or re-applies with changed terms for one of its
    spots (which leaves the pass until the city approves again)."""
    mid = owner_merchant(actor, merchant_id)
    values = spot_values(data)
    with transaction.atomic():
        if spot is None:
            row = PassSpot(merchant_id=mid)
        else:
            pk = spot.pk if isinstance(spot, PassSpot) else spot
            found = PassSpot.objects.select_for_update().filter(pk=pk, merchant_id=mid).first()
            if found is None:
                raise NotFound()
            row = found
        for key, value in values.items():
            setattr(row, key, value)
        row.status = ReviewStatus.PENDING
        row.review_note = ""
        row.applied_by = actor
        row.decided_by = None
        row.decided_at = None
        row.save()
        audit_record(
            actor=actor,
            action="tourism.pass_spot_apply",
            obj=row,
            extra={"rate_fen": row.rate_fen, "daily_limit": row.daily_limit, "region": row.region},
        )
    return row


def is_city_reviewer(actor: User) -> bool:
    """Platform staff at a root union (the city federation): who approves pass spots."""
    return any(can_act(actor, root, PLATFORM_ROLES) for root in Union.objects.filter(parent__isnull=True))


def pass_spot_review(
    *, actor: User, spot: PassSpot | int, approve: bool, note: str = "", rate_fen: int | None = None
) -> PassSpot:
    """The city approves (optionally settling a different rate) or rejects a pending spot. A spot
    outside the reviewer's part of the tree is 404; staff below the city get 403."""
    pk = spot.pk if isinstance(spot, PassSpot) else spot
    with transaction.atomic():
        row = (
            platform_scope(
                PassSpot.objects.select_for_update(), actor, path_field="merchant__host_union__path"
            )
            .filter(pk=pk)
            .first()
        )
        if row is None:
            raise NotFound()
        if not is_city_reviewer(actor):
            raise PermissionDenied(_("年票景点由市总工会审核。"))
        if row.status != ReviewStatus.PENDING:
            raise Conflict(_("该申请已处理。"), code="decided")
        if approve and rate_fen is not None:
            if not 0 <= int(rate_fen) <= MAX_RATE_FEN:
                raise ValidationFailed(fields={"rate_fen": _("每人次结算价应在 0 到 1000 元之间。")})
            row.rate_fen = int(rate_fen)
        if approve and row.merchant.status != ReviewStatus.APPROVED:
            raise Conflict(_("商户尚未通过审核，景点不能加入年票。"), code="merchant_not_live")
        row.status = ReviewStatus.APPROVED if approve else ReviewStatus.REJECTED
        row.review_note = clean_text(note)[:200]
        row.decided_by = actor
        row.decided_at = now()
        row.save(update_fields=["status", "review_note", "decided_by", "decided_at", "rate_fen"])
        audit_record(
            actor=actor,
            action="tourism.pass_spot_approve" if approve else "tourism.pass_spot_reject",
            obj=row,
            union_id=row.merchant.host_union_id,
            extra={"rate_fen": row.rate_fen},
        )
    return row


def pass_spot_set_active(*, actor: User, spot: PassSpot | int, active: bool) -> PassSpot:
    """The merchant's admin pauses or resumes an approved spot (paused: the gate refuses passes)."""
    pk = spot.pk if isinstance(spot, PassSpot) else spot
    with transaction.atomic():
        row = PassSpot.objects.select_for_update().filter(pk=pk).first()
        if row is None:
            raise NotFound()
        owner_merchant(actor, row.merchant_id)
        row.active = bool(active)
        row.save(update_fields=["active"])
        audit_record(
            actor=actor, action="tourism.pass_spot_set_active", obj=row, extra={"active": row.active}
        )
    return row


def entries_today(spot: PassSpot, day: dt.date) -> int:
    from ..models import PassEntry

    return PassEntry.objects.filter(spot=spot, day=day, result=PassEntry.Result.OK).count()


__all__ = [
    "TERMS",
    "entries_today",
    "is_city_reviewer",
    "pass_spot_apply",
    "pass_spot_review",
    "pass_spot_set_active",
    "pool_balance",
    "pool_pay_in",
    "pool_take",
    "spot_values",
]
