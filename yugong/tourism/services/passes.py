"""The annual pass (文化旅游年票).

* An employer union's staff ask to buy passes for chosen members (price per person checked against
  ``ANNUAL_PASS_CAP_FEN``, default 20000 fen = 200 yuan); the chair approves; union funds pay into
  the pass pool; each member gets one pass per year.
* The member's phone shows a dynamic QR: ``YGP1.<pass id>.<unix seconds>.<HMAC>``. The HMAC
  (SHA-256, key derived from SECRET_KEY, salted with the pass's own secret) covers the pass id and
  the time, so a code cannot be forged or re-dated, and a code older than 60 seconds — a screenshot
  — is refused. The gate also sees the holder's (masked) name to compare with an ID.
* Every verification is logged (admitted or refused); an admitted entry books the spot's agreed
  rate from the pass pool to the spot's merchant in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from yugong.accounts.models import User
from yugong.core.audit import audit_record
from yugong.core.errors import Conflict, NotFound, ValidationFailed
from yugong.core.facts import fact_record
from yugong.core.timeutil import SHANGHAI, now
from yugong.funds import ledger
from yugong.orgs.access import require_role
from yugong.orgs.models import Union

from ..access import APPROVER_ROLES, UNION_BUYER_ROLES, access_merchant_object, may_staff
from ..models import AnnualPass, PassBatch, PassEntry, PassSpot
from .budget import budget_approve, budget_ask, budget_line_error, budget_spend, budget_withdraw
from .common import pass_cap_fen
from .groups import members_of
from .pass_rules import ENTRY_FACT, PASS_VERIFY_ACTION, pass_refusal
from .pass_sql import Qr, admit_one_statement, fast_path_applies
from .spots import entries_today, pool_pay_in, pool_take

QR_PREFIX = "YGP1"
QR_MAX_AGE = 60  # seconds: a screenshot older than this fails
QR_FUTURE_SKEW = 5  # seconds a phone's clock may run ahead


def pass_batch_request(
    *,
    actor: User,
    union: Union,
    year: int,
    price_fen: int,
    person_ids: list[int],
    budget_line: int | None = None,
) -> PassBatch:
    require_role(actor, union, UNION_BUYER_ROLES)
    errors: dict[str, Any] = {}
    cap = pass_cap_fen()
    if price_fen < 0:
        errors["price_fen"] = _("价格不能为负数。")
    elif price_fen > cap:
        errors["price_fen"] = _("年票价格每人每年不得超过 %(cap)s 元（工会经费使用规定）。") % {
            "cap": f"{cap / 100:g}"
        }
    ids = [int(p) for p in dict.fromkeys(person_ids)]
    if not ids:
        errors["person_ids"] = _("请选择职工。")
    found = members_of(union, ids)
    missing = [p for p in ids if p not in found]
    if missing:
        errors["person_ids"] = _("以下人员不是本工会的在册会员：%(ids)s") % {
            "ids": ", ".join(map(str, missing))
        }
    having = set(AnnualPass.objects.filter(person_id__in=ids, year=year).values_list("person_id", flat=True))
    if having:
        errors["person_ids"] = _("以下人员本年度已有年票：%(ids)s") % {
            "ids": ", ".join(map(str, sorted(having)))
        }
    line_problem = budget_line_error(union=union, line_id=budget_line)
    if line_problem:
        errors["budget_line"] = line_problem
    if errors:
        raise ValidationFailed(fields=errors)
    with transaction.atomic():
        batch = PassBatch.objects.create(
            union=union,
            year=year,
            price_fen=price_fen,
            person_ids=ids,
            total_fen=price_fen * len(ids),
            requested_by=actor,
        )
        commitment = budget_ask(
            actor=actor,
            union=union,
            line_id=budget_line,
            amount_fen=batch.total_fen,
            purpose=_("职工年票：%(n)s人") % {"n": len(ids)},
            ref=batch,
        )
        batch.commitment = commitment
        batch.save(update_fields=["commitment"])
        audit_record(actor=actor, action="tourism.pass_batch_request", obj=batch, union_id=union.pk)
    return batch


def pass_batch_approve(*, actor: User, batch: PassBatch | int) -> list[AnnualPass]:
    pk = batch.pk if isinstance(batch, PassBatch) else batch
    first = PassBatch.objects.select_related("union").filter(pk=pk).first()
    if first is None:
        raise NotFound()
    require_role(actor, first.union, APPROVER_ROLES)
    if first.status == PassBatch.Status.PENDING:
        budget_approve(actor=actor, commitment_id=first.commitment_id)
    with transaction.atomic():
        locked = PassBatch.objects.select_for_update().select_related("union").filter(pk=pk).first()
        if locked is None:
            raise NotFound()
        require_role(actor, locked.union, APPROVER_ROLES)
        if locked.status != PassBatch.Status.PENDING:
            raise Conflict(_("该申请已处理。"), code="decided")
        if locked.price_fen > pass_cap_fen():
            raise Conflict(_("年票价格超过上限，不能批准。"), code="over_cap")
        members = members_of(locked.union, list(locked.person_ids))
        try:
            with transaction.atomic():
                passes = AnnualPass.objects.bulk_create(
                    AnnualPass(
                        batch=locked,
                        person_id=pid,
                        holder_name=members[pid].person.name,
                        year=locked.year,
                        number=f"AP{locked.year}{locked.pk:06d}{i:05d}",
                    )
                    for i, pid in enumerate(locked.person_ids)
                    if pid in members
                )
        except IntegrityError:
            raise Conflict(_("部分职工本年度已有年票，请重新提交。"), code="duplicate_pass") from None
        total = locked.price_fen * len(passes)
        pool_pay_in(year=locked.year, amount_fen=total)
        ledger.post(
            kind="pass_purchase",
            lines=[(ledger.union_funds(locked.union_id), total), (ledger.PASS_POOL, -total)],
            memo=f"pass batch {locked.pk}",
        )
        budget_spend(
            actor=actor, commitment_id=locked.commitment_id, amount_fen=total, memo=f"pass batch {locked.pk}"
        )
        if locked.commitment_id is not None and total < locked.total_fen:
            # Fewer passes than asked (someone left the union meanwhile): the rest goes back.
            budget_withdraw(actor=actor, commitment_id=locked.commitment_id, reason="passes issued")
        locked.status = PassBatch.Status.ISSUED
        locked.total_fen = total
        locked.decided_by = actor
        locked.decided_at = now()
        locked.save(update_fields=["status", "total_fen", "decided_by", "decided_at"])
        fact_record(metric="tourism.passes", union_id=locked.union_id, value=len(passes))
        audit_record(actor=actor, action="tourism.pass_batch_approve", obj=locked, union_id=locked.union_id)
    return passes


def pass_batch_reject(*, actor: User, batch: PassBatch | int) -> PassBatch:
    pk = batch.pk if isinstance(batch, PassBatch) else batch
    with transaction.atomic():
        locked = PassBatch.objects.select_for_update().select_related("union").filter(pk=pk).first()
        if locked is None:
            raise NotFound()
        require_role(actor, locked.union, APPROVER_ROLES)
        if locked.status != PassBatch.Status.PENDING:
            raise Conflict(_("该申请已处理。"), code="decided")
        locked.status = PassBatch.Status.REJECTED
        locked.decided_by = actor
        locked.decided_at = now()
        locked.save(update_fields=["status", "decided_by", "decided_at"])
        budget_withdraw(actor=actor, commitment_id=locked.commitment_id, reason="pass batch rejected")
        audit_record(actor=actor, action="tourism.pass_batch_reject", obj=locked, union_id=locked.union_id)
    return locked


# --- The dynamic QR -------------------------------------------------------------------------


SIG_LEN = 24  # hex characters of the HMAC the QR carries


def _qr_key() -> bytes:
    return hashlib.sha256(f"yugong-pass-qr:{settings.SECRET_KEY}".encode()).digest()


_pads: dict[str, tuple[bytes, bytes]] = {}


def qr_key_pads() -> tuple[bytes, bytes]:
    """HMAC-SHA256's inner and outer pads of the QR key (RFC 2104: the key, zero-filled to the
    64-byte block, XOR 0x36 and 0x5c), for the one statement that checks the signature in SQL as
    ``sha256(opad || sha256(ipad || message))``. Cached per SECRET_KEY."""
    secret_key = str(settings.SECRET_KEY)
    pads = _pads.get(secret_key)
    if pads is None:
        key = _qr_key().ljust(64, b"\0")
        pads = (bytes(b ^ 0x36 for b in key), bytes(b ^ 0x5C for b in key))
        _pads.clear()
        _pads[secret_key] = pads
    return pads


def qr_message(pass_id: int, ts: int, secret: str) -> str:
    """What the QR's HMAC covers; the SQL check appends the pass's secret to ``qr_message(id, ts, "")``."""
    return f"{pass_id}.{ts}.{secret}"


def _sign(pass_id: int, ts: int, secret: str) -> str:
    return hmac.new(_qr_key(), qr_message(pass_id, ts, secret).encode(), hashlib.sha256).hexdigest()[:SIG_LEN]


def pass_qr_token(annual_pass: AnnualPass, *, at: dt.datetime | None = None) -> str:
    ts = int((at or now()).timestamp())
    return f"{QR_PREFIX}.{annual_pass.pk}.{ts}.{_sign(annual_pass.pk, ts, annual_pass.secret)}"


def _parse(token: str) -> Qr | None:
    parts = (token or "").strip().split(".")
    if len(parts) != 4 or parts[0] != QR_PREFIX:
        return None
    try:
        return Qr(int(parts[1]), int(parts[2]), parts[3])
    except ValueError:
        return None


def qr_time_refusal(ts: int, at: dt.datetime) -> str | None:
    """Why a QR made at ``ts`` is refused at ``at`` (a screenshot, a clock far ahead), or None; both
    paths ask this before anything else about the pass."""
    age = at.timestamp() - ts
    if age > QR_MAX_AGE:
        return _("二维码已过期（超过60秒），请持卡人刷新后重试。")
    if age < -QR_FUTURE_SKEW:
        return _("二维码时间异常，请校准手机时间。")
    return None


def _deny(
    spot: PassSpot, actor: User, day: dt.date, reason: str, annual_pass: AnnualPass | None = None
) -> PassEntry:
    entry = PassEntry.objects.create(
        spot=spot,
        annual_pass=annual_pass,
        day=day,
        result=PassEntry.Result.DENIED,
        reason=reason[:120],
        once_a_day=spot.one_entry_per_day,
        verified_by=actor,
    )
    _audit_entry(actor, entry)
    return entry


def _audit_entry(actor: User, entry: PassEntry) -> None:
    audit_record(
        actor=actor,
        action=PASS_VERIFY_ACTION,
        obj=entry,
        extra={"result": entry.result, "spot": entry.spot_id, "pass": entry.annual_pass_id},
    )


def pass_verify(
    *,
    actor: User,
    token: str,
    spot_id: Any,
    at: dt.datetime | None = None,
    _unsafe_naive_pool: bool = False,
) -> PassEntry:
    """Check a pass QR at a spot's gate. Always returns the logged entry (admitted or refused with
    the reason); only a spot outside the actor's merchant is an error (NotFound).

    On PostgreSQL (outside a caller's transaction) an admission is ONE statement (``pass_sql``):
    the QR is parsed and its age checked here, everything else — the actor's access to the spot,
    the signature, the pass, the spot, the one-a-day rule, the pool — in the statement, which also
    writes every row. Whatever it does not admit writes nothing and takes the ORM path, which
    decides again under its locks and logs the refusal with its reason (or answers 404).
    ``_unsafe_naive_pool`` is the race test's control (the pool read, then written)."""
    at = at or now()
    day = at.astimezone(SHANGHAI).date()
    if not _unsafe_naive_pool and fast_path_applies():
        try:
            entry = _fast_admit(actor, spot_id, token, at)
        except IntegrityError:
            return _deny_second(actor, spot_id, token, day)
        if entry is not None:
            return entry
    spot = access_merchant_object(PassSpot.objects.all(), actor, spot_id)
    try:
        return _verify(actor, spot, token, at, day, _unsafe_naive_pool)
    except IntegrityError:
        return _deny_second(actor, spot, token, day)


def _deny_second(actor: User, spot: PassSpot | Any, token: str, day: dt.date) -> PassEntry:
    """A concurrent admission of the same pass won the unique index: log the refusal."""
    if not isinstance(spot, PassSpot):
        spot = access_merchant_object(PassSpot.objects.all(), actor, spot)
    parsed = _parse(token)
    with transaction.atomic():
        return _deny(
            spot,
            actor,
            day,
            _("该年票今日已在本景点入园，每日限一次。"),
            AnnualPass.objects.filter(pk=parsed.pass_id if parsed and parsed.fits_bigint() else 0).first(),
        )


def _fast_admit(actor: User, spot_id: Any, token: str, at: dt.datetime) -> PassEntry | None:
    """The admit path on PostgreSQL: what needs no database here, the rest in ONE statement. None
    when anything refuses (nothing written): the ORM path then decides and logs."""
    if not may_staff(actor):
        return None
    qr = _parse(token)
    if qr is None or not qr.fits_bigint() or qr_time_refusal(qr.ts, at) is not None:
        return None
    try:
        spot_pk = int(spot_id)
    except (TypeError, ValueError):
        return None
    if isinstance(spot_id, bool) or not 0 < spot_pk < 2**63:
        return None
    return admit_one_statement(actor=actor, spot_id=spot_pk, qr=qr, at=at, day=at.astimezone(SHANGHAI).date())


def _verify(
    actor: User, spot: PassSpot, token: str, at: dt.datetime, day: dt.date, naive_pool: bool = False
) -> PassEntry:
    parsed = _parse(token)
    with transaction.atomic():
        if parsed is None or not parsed.fits_bigint():
            return _deny(spot, actor, day, _("二维码无效。"))
        pass_id, ts, sig = parsed.pass_id, parsed.ts, parsed.sig
        annual_pass = (
            AnnualPass.objects.select_for_update(of=("self",))
            .select_related("batch")
            .filter(pk=pass_id)
            .first()
        )
        if annual_pass is None or not hmac.compare_digest(_sign(pass_id, ts, annual_pass.secret), sig):
            return _deny(spot, actor, day, _("二维码无效。"))
        too_old_or_new = qr_time_refusal(ts, at)
        if too_old_or_new is not None:
            return _deny(spot, actor, day, too_old_or_new, annual_pass)
        reason = pass_refusal(
            pass_status=annual_pass.status,
            pass_year=annual_pass.year,
            spot_status=spot.status,
            spot_active=spot.active,
            blackout_dates=spot.blackout_dates,
            day=day,
        )
        if reason is not None:
            return _deny(spot, actor, day, reason, annual_pass)
        if (
            spot.one_entry_per_day
            and PassEntry.objects.filter(
                annual_pass=annual_pass, spot=spot, day=day, result=PassEntry.Result.OK
            ).exists()
        ):
            return _deny(spot, actor, day, _("该年票今日已在本景点入园，每日限一次。"), annual_pass)
        if spot.daily_limit is not None:
            # The spot's row lock serialises admissions at this spot, so the count stays exact.
            PassSpot.objects.select_for_update().filter(pk=spot.pk).values_list("pk", flat=True).first()
            if entries_today(spot, day) >= spot.daily_limit:
                return _deny(
                    spot,
                    actor,
                    day,
                    _("本景点今日年票接待已满（每日 %(n)s 人次）。") % {"n": spot.daily_limit},
                    annual_pass,
                )
        if not pool_take(
            year=annual_pass.year, amount_fen=spot.rate_fen, prefer=annual_pass.pk, _unsafe_naive=naive_pool
        ):
            return _deny(spot, actor, day, _("年票资金池余额不足，暂不能入园，请联系工会。"), annual_pass)
        # The unique index is the last judge; if it fires, the caller logs the refusal (and the
        # pool's payment rolls back with the entry).
        entry = PassEntry.objects.create(
            spot=spot,
            annual_pass=annual_pass,
            day=day,
            result=PassEntry.Result.OK,
            rate_fen=spot.rate_fen,
            once_a_day=spot.one_entry_per_day,
            verified_by=actor,
        )
        if spot.rate_fen:
            ledger.post(
                kind="pass_entry",
                lines=[
                    (ledger.PASS_POOL, spot.rate_fen),
                    (ledger.merchant_payable(spot.merchant_id), -spot.rate_fen),
                ],
                memo=f"pass {annual_pass.number} @ {spot.name}",
                merchant=spot.merchant,
            )
        fact_record(union_id=annual_pass.batch.union_id, **ENTRY_FACT)
        _audit_entry(actor, entry)
    entry.annual_pass = annual_pass
    return entry
