"""Job fairs: union staff create them (线下招聘会 at a venue, 直播带岗 with a stream link and
time), publish them, and give employers booths. A published fair is counted for the cockpit once."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlsplit

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from yugong.accounts.models import User
from yugong.core.audit import audit_record, diff, snapshot
from yugong.core.errors import Conflict, NotFound, ValidationFailed
from yugong.core.facts import fact_record
from yugong.orgs.access import access_union, require_role

from ..access import REVIEW_ROLES, access_staff_employer, pk_of
from ..models import Booth, JobFair
from .common import choice, long_text, raise_if, text

FAIR_FIELDS = ("kind", "title", "description", "starts_at", "ends_at", "venue", "district", "stream_url")


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, Any] = {}
    out: dict[str, Any] = {
        "kind": choice(errors, data, "kind", _("形式"), JobFair.Kind.values, "onsite"),
        "title": text(errors, data, "title", _("名称"), max_len=120, required=True),
        "description": long_text(errors, data, "description", _("介绍"), max_len=4000),
        "venue": text(errors, data, "venue", _("地点"), max_len=200, required=False),
        "district": text(errors, data, "district", _("所在区县"), max_len=40, required=False),
        "stream_url": text(errors, data, "stream_url", _("直播地址"), max_len=300, required=False),
    }
    for field, label in (("starts_at", _("开始时间")), ("ends_at", _("结束时间"))):
        value = data.get(field)
        if not isinstance(value, dt.datetime) or value.tzinfo is None:
            errors[field] = _("请填写%(label)s。") % {"label": label}
        out[field] = value
    if "starts_at" not in errors and "ends_at" not in errors and out["ends_at"] <= out["starts_at"]:
        errors["ends_at"] = _("结束时间须晚于开始时间。")
    if out["kind"] == JobFair.Kind.LIVE:
        parts = urlsplit(out["stream_url"])
        if parts.scheme not in ("http", "https") or not parts.netloc:
            errors["stream_url"] = _("直播带岗须填写以 http:// 或 https:// 开头的直播地址。")
    elif not out["venue"]:
        errors["venue"] = _("线下招聘会须填写地点。")
    raise_if(errors)
    return out


@transaction.atomic
def fair_create(*, actor: User, union_id: Any, **fields: Any) -> JobFair:
    union = access_union(actor, union_id)
    require_role(actor, union, REVIEW_ROLES)
    unknown = set(fields) - set(FAIR_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    fair = JobFair.objects.create(union=union, created_by=actor, **_clean(fields))
    audit_record(actor=actor, action="jobs.fair_create", obj=fair, union_id=union.pk)
    return fair


def _lock(actor: User, fair_id: Any) -> JobFair:
    fair = JobFair.objects.select_for_update().select_related("union").filter(pk=pk_of(fair_id)).first()
    if fair is None:
        raise NotFound()
    require_role(actor, fair.union, REVIEW_ROLES)
    return fair


@transaction.atomic
def fair_update(*, actor: User, fair_id: Any, **fields: Any) -> JobFair:
    fair = _lock(actor, fair_id)
    if fair.status == JobFair.Status.CANCELLED:
        raise Conflict(_("已取消的招聘会不能再编辑。"))
    unknown = set(fields) - set(FAIR_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    before = snapshot(fair, FAIR_FIELDS)
    for key, value in _clean({**before, **fields}).items():
        setattr(fair, key, value)
    fair.save()
    audit_record(
        actor=actor,
        action="jobs.fair_update",
        obj=fair,
        union_id=fair.union_id,
        changes=diff(before, snapshot(fair, FAIR_FIELDS)),
    )
    return fair


@transaction.atomic
def fair_publish(*, actor: User, fair_id: Any) -> JobFair:
    fair = _lock(actor, fair_id)
    if fair.status == JobFair.Status.PUBLISHED:
        return fair
    if fair.status == JobFair.Status.CANCELLED:
        raise Conflict(_("已取消的招聘会不能发布。"))
    fair.status = JobFair.Status.PUBLISHED
    fair.save(update_fields=["status"])
    audit_record(actor=actor, action="jobs.fair_publish", obj=fair, union_id=fair.union_id)
    fact_record(metric="jobs.fairs", union_id=fair.union_id, dim=fair.kind)
    return fair


@transaction.atomic
def fair_cancel(*, actor: User, fair_id: Any) -> JobFair:
    fair = _lock(actor, fair_id)
    if fair.status == JobFair.Status.CANCELLED:
        return fair
    fair.status = JobFair.Status.CANCELLED
    fair.save(update_fields=["status"])
    audit_record(actor=actor, action="jobs.fair_cancel", obj=fair, union_id=fair.union_id)
    return fair


@transaction.atomic
def booth_add(*, actor: User, fair_id: Any, employer_id: Any, label: Any = "") -> Booth:
    """A booth for an employer the organiser's staff can see (inside their subtree)."""
    fair = _lock(actor, fair_id)
    if fair.status == JobFair.Status.CANCELLED:
        raise Conflict(_("已取消的招聘会不能再添加展位。"))
    if employer_id in (None, ""):
        raise ValidationFailed(fields={"employer": _("请选择用人单位。")})
    try:
        employer = access_staff_employer(actor, employer_id)
    except NotFound:
        raise ValidationFailed(fields={"employer": _("未找到该用人单位，或不在您的管理范围内。")}) from None
    errors: dict[str, Any] = {}
    booth_label = text(errors, {"label": label}, "label", _("展位号"), max_len=20, required=False)
    raise_if(errors)
    try:
        with transaction.atomic():
            booth = Booth.objects.create(fair=fair, employer=employer, label=booth_label)
    except IntegrityError:
        raise ValidationFailed(fields={"employer": _("该单位在本场招聘会已有展位。")}) from None
    audit_record(
        actor=actor,
        action="jobs.booth_add",
        obj=fair,
        union_id=fair.union_id,
        extra={"employer": employer.pk, "label": booth_label},
    )
    return booth


@transaction.atomic
def booth_remove(*, actor: User, booth_id: Any) -> None:
    booth = Booth.objects.filter(pk=pk_of(booth_id)).first()
    if booth is None:
        raise NotFound()
    fair = _lock(actor, booth.fair_id)
    # Posts tied to the fair through this booth leave the fair (they stay the employer's posts).
    fair.posts.filter(employer_id=booth.employer_id).update(fair=None)
    booth.delete()
    audit_record(
        actor=actor,
        action="jobs.booth_remove",
        obj=fair,
        union_id=fair.union_id,
        extra={"employer": booth.employer_id},
    )
