"""Shared pieces of the jobs services: field cleaning with Chinese errors naming the field."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _

from yugong.core.errors import ValidationFailed
from yugong.core.validators import clean_text, is_ascii_digits

# The highest pay a post may state (1,000,000 yuan a period): a typo guard, not a policy.
PAY_MAX_FEN = 100_000_000


def text(
    errors: dict[str, Any], data: dict[str, Any], field: str, label: str, *, max_len: int, required: bool
) -> str:
    value = clean_text(data.get(field)).replace("\x00", "")
    if required and not value:
        errors[field] = _("请填写%(label)s。") % {"label": label}
    elif len(value) > max_len:
        errors[field] = _("%(label)s不能超过%(n)s个字。") % {"label": label, "n": max_len}
    return value


def long_text(errors: dict[str, Any], data: dict[str, Any], field: str, label: str, *, max_len: int) -> str:
    """Multi-line text: lines kept, NUL dropped, trimmed."""
    value = str(data.get(field) or "").replace("\x00", "").replace("\r\n", "\n").strip()
    if len(value) > max_len:
        errors[field] = _("%(label)s不能超过%(n)s个字。") % {"label": label, "n": max_len}
    return value


def choice(
    errors: dict[str, Any], data: dict[str, Any], field: str, label: str, values: list[str], default: str
) -> str:
    value = data.get(field) or default
    if value not in values:
        errors[field] = _("请选择有效的%(label)s。") % {"label": label}
        return default
    return str(value)


def integer(
    errors: dict[str, Any],
    data: dict[str, Any],
    field: str,
    label: str,
    *,
    low: int,
    high: int,
    default: int | None = None,
) -> int:
    raw = data.get(field)
    if raw in (None, "") and default is not None:
        return default
    if isinstance(raw, bool):
        raw = ""
    value = str(raw).strip() if not isinstance(raw, int) else str(raw)
    if not is_ascii_digits(value) or not (low <= int(value) <= high):
        errors[field] = _("%(label)s须为%(low)s到%(high)s之间的整数。") % {
            "label": label,
            "low": low,
            "high": high,
        }
        return low
    return int(value)


def date_or_none(errors: dict[str, Any], data: dict[str, Any], field: str, label: str) -> dt.date | None:
    value = data.get(field)
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        errors[field] = _("%(label)s格式不正确，应为年-月-日。") % {"label": label}
        return None


def raise_if(errors: dict[str, Any]) -> None:
    if errors:
        raise ValidationFailed(fields=errors)
