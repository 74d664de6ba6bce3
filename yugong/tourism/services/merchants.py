"""Merchants and their products: onboarding, review, staff, products, sessions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from yugong.accounts.models import User
from yugong.core.audit import audit_record
from yugong.core.errors import Conflict, NotFound, ValidationFailed
from yugong.core.timeutil import now
from yugong.core.validators import clean_text, is_ascii_digits, normalize_uscc, to_halfwidth
from yugong.orgs.models import Union

from .. import seatmap
from ..access import access_merchant, access_platform_merchant, forget_merchants, platform_scope
from ..models import Merchant, MerchantStaff, Product, ReviewStatus, Session

MERCHANT_FIELDS = ("name", "kind", "uscc", "district", "address", "contact_name", "contact_phone", "intro")
TERMS_FIELDS = ("commission_bp", "settlement_cycle", "bank_name", "bank_account_name", "bank_account")
PRODUCT_FIELDS = (
    "kind",
    "title",
    "summary",
    "description",
    "district",
    "list_price_fen",
    "member_price_fen",
    "limit_per_day",
    "limit_per_year",
    "members_only",
    "refund_rule",
    "refund_cutoff_hours",
    "refund_fee_bp",
    "pictures",
)


def _int(data: Mapping[str, Any], key: str, errors: dict[str, Any], *, optional: bool = False) -> int | None:
    value = data.get(key)
    if value in (None, ""):
        if optional:
            return None
        errors[key] = _("此项为必填。")
        return None
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        errors[key] = _("请填写整数。")
        return None
    if number < 0:
        errors[key] = _("不能为负数。")
    return number


def merchant_apply(*, actor: User, host_union: Union, data: Mapping[str, Any]) -> Merchant:
    """A business applies to join; the applicant becomes its owner once approved."""
    errors: dict[str, Any] = {}
    name = clean_text(data.get("name"))
    if not name:
        errors["name"] = _("请填写商户名称。")
    kind = data.get("kind", "")
    if kind not in Merchant.Kind.values:
        errors["kind"] = _("请选择商户类型。")
    uscc = ""
    if data.get("uscc"):
        try:
            uscc = normalize_uscc(data.get("uscc"))
        except ValidationFailed as exc:
            errors.update(exc.fields)
    if errors:
        raise ValidationFailed(fields=errors)
    with transaction.atomic():
        merchant = Merchant.objects.create(
            host_union=host_union,
            applied_by=actor if getattr(actor, "pk", None) else None,
            status=ReviewStatus.PENDING,
            **{f: clean_text(data.get(f)) for f in MERCHANT_FIELDS if f not in ("name", "kind", "uscc")},
            name=name,
            kind=kind,
            uscc=uscc,
        )
        if getattr(actor, "pk", None):
            MerchantStaff.objects.create(merchant=merchant, user=actor, role=MerchantStaff.Role.OWNER)
            forget_merchants(actor)
        audit_record(actor=actor, action="tourism.merchant_apply", obj=merchant, union_id=host_union.pk)
    return merchant


def merchant_review(
    *,
    actor: User,
    merchant: Merchant | int,
    approve: bool,
    note: str = "",
    terms: Mapping[str, Any] | None = None,
) -> Merchant:
    """Platform staff approve (with terms) or reject an application."""
    pk = merchant.pk if isinstance(merchant, Merchant) else merchant
    with transaction.atomic():
        access_platform_merchant(actor, pk)
        locked = Merchant.objects.select_for_update().get(pk=pk)
        if terms:
            _apply_terms(locked, terms)
        locked.status = ReviewStatus.APPROVED if approve else ReviewStatus.REJECTED
        locked.review_note = clean_text(note)
        locked.reviewed_at = now()
        locked.save()
        audit_record(
            actor=actor,
            action="tourism.merchant_approve" if approve else "tourism.merchant_reject",
            obj=locked,
            union_id=locked.host_union_id,
        )
    return locked


def _apply_terms(merchant: Merchant, terms: Mapping[str, Any]) -> None:
    errors: dict[str, Any] = {}
    if "commission_bp" in terms:
        bp = _int(terms, "commission_bp", errors)
        if bp is not None and bp > 10000:
            errors["commission_bp"] = _("佣金费率不能超过 100%。")
        elif bp is not None:
            merchant.commission_bp = bp
    if "settlement_cycle" in terms:
        if terms["settlement_cycle"] not in Merchant.Cycle.values:
            errors["settlement_cycle"] = _("请选择结算周期。")
        else:
            merchant.settlement_cycle = terms["settlement_cycle"]
    for key in ("bank_name", "bank_account_name"):
        if key in terms:
            setattr(merchant, key, clean_text(terms[key]))
    if terms.get("bank_account"):
        # Spaces and dashes as people group account numbers are dropped; any other character
        # (a letter, another script's digit) makes the number invalid rather than silently shorter.
        account = "".join(ch for ch in to_halfwidth(str(terms["bank_account"])) if ch not in " -")
        if not is_ascii_digits(account) or not 8 <= len(account) <= 30:
            errors["bank_account"] = _("银行账号应为 8 到 30 位数字。")
        else:
            merchant.bank_account = account
    if errors:
        raise ValidationFailed(fields=errors)


def merchant_update_terms(*, actor: User, merchant: Merchant | int, terms: Mapping[str, Any]) -> Merchant:
    pk = merchant.pk if isinstance(merchant, Merchant) else merchant
    with transaction.atomic():
        access_platform_merchant(actor, pk)
        locked = Merchant.objects.select_for_update().get(pk=pk)
        _apply_terms(locked, terms)
        locked.save()
        audit_record(
            actor=actor,
            action="tourism.merchant_terms",
            obj=locked,
            union_id=locked.host_union_id,
            changes={k: "changed" for k in terms},
        )
    return locked


def _product_values(data: Mapping[str, Any]) -> dict[str, Any]:
    errors: dict[str, Any] = {}
    out: dict[str, Any] = {}
    kind = data.get("kind", "")
    if kind not in Product.Kind.values:
        errors["kind"] = _("请选择产品类型。")
    out["kind"] = kind
    out["title"] = clean_text(data.get("title"))
    if not out["title"]:
        errors["title"] = _("请填写产品名称。")
    for key in ("summary", "description", "district"):
        out[key] = clean_text(data.get(key)) if key != "description" else str(data.get(key) or "").strip()
    for key in ("list_price_fen", "member_price_fen"):
        out[key] = _int(data, key, errors)
    for key in ("limit_per_day", "limit_per_year"):
        out[key] = _int(data, key, errors, optional=True)
    out["refund_cutoff_hours"] = _int(data, "refund_cutoff_hours", errors, optional=True) or 24
    out["refund_fee_bp"] = _int(data, "refund_fee_bp", errors, optional=True) or 0
    for key, default, most in (("admit_before_minutes", 120, 1440), ("admit_after_minutes", 240, 2880)):
        value = _int(data, key, errors, optional=True)
        out[key] = default if value is None else value
        if not 0 <= out[key] <= most:
            errors[key] = _("入场时间窗应在 0 到 %(n)s 分钟之间。") % {"n": most}
    out["refund_rule"] = data.get("refund_rule") or Product.Refund.FREE
    if out["refund_rule"] not in Product.Refund.values:
        errors["refund_rule"] = _("请选择退款规则。")
    if out["refund_fee_bp"] > 10000:
        errors["refund_fee_bp"] = _("手续费不能超过 100%。")
    out["members_only"] = data.get("members_only") in (True, "1", "on", "true")
    pictures = data.get("pictures") or []
    out["pictures"] = [str(p)[:300] for p in pictures][:9] if isinstance(pictures, list) else []
    lp, mp = out.get("list_price_fen"), out.get("member_price_fen")
    if lp is not None and mp is not None and mp > lp:
        errors["member_price_fen"] = _("惠民价不能高于门市价。")
    if errors:
        raise ValidationFailed(fields=errors)
    return out


def product_save(
    *, actor: User, merchant_id: Any, data: Mapping[str, Any], product: Product | None = None
) -> Product:
    """Merchant staff create or edit a product. Any edit sends it back to review."""
    merchant = access_merchant(actor, merchant_id)
    values = _product_values(data)
    with transaction.atomic():
        if product is None:
            product = Product(merchant=merchant)
        elif product.merchant_id != merchant.pk:
            raise NotFound()
        for key, value in values.items():
            setattr(product, key, value)
        product.search_text = " ".join([product.title, product.summary, product.district, merchant.name])
        product.status = ReviewStatus.PENDING
        product.save()
        if "eligible_union_ids" in data:
            product.eligible_unions.set(Union.objects.filter(pk__in=data["eligible_union_ids"] or []))
        audit_record(actor=actor, action="tourism.product_save", obj=product)
    return product


def product_review(*, actor: User, product: Product | int, approve: bool, note: str = "") -> Product:
    pk = product.pk if isinstance(product, Product) else product
    with transaction.atomic():
        found = platform_scope(
            Product.objects.select_for_update(), actor, path_field="merchant__host_union__path"
        )
        locked = found.filter(pk=pk).first()
        if locked is None:
            raise NotFound()
        if approve and locked.merchant.status != ReviewStatus.APPROVED:
            raise Conflict(_("商户尚未通过审核，产品不能上线。"))
        locked.status = ReviewStatus.APPROVED if approve else ReviewStatus.REJECTED
        locked.review_note = clean_text(note)
        locked.save(update_fields=["status", "review_note"])
        audit_record(actor=actor, action="tourism.product_review", obj=locked, extra={"approve": approve})
    return locked


def session_add(
    *,
    actor: User,
    product: Product,
    starts_at: dt.datetime,
    capacity: int,
    label: str = "",
    seat_layout: str = "",
) -> Session:
    """A new session. With ``seat_layout`` (rows of A = seat, _ = gap; see ``seatmap``) it sells
    named seats and its capacity is the number of seats, whatever ``capacity`` says."""
    access_merchant(actor, product.merchant_id)
    rows = seatmap.parse_layout(seat_layout)
    if rows:
        capacity = seatmap.capacity(rows)
    if capacity < 1 or capacity > 1_000_000:
        raise ValidationFailed(fields={"capacity": _("名额应在 1 到 1000000 之间。")})
    if starts_at <= now():
        raise ValidationFailed(fields={"starts_at": _("开始时间应晚于现在。")})
    with transaction.atomic():
        session = Session.objects.create(
            product=product,
            starts_at=starts_at,
            capacity=capacity,
            remaining=capacity,
            label=clean_text(label),
            seat_rows=rows,
        )
        audit_record(actor=actor, action="tourism.session_add", obj=session)
    return session
