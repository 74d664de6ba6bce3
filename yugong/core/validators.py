"""Chinese identifiers and input normalisation.

* Mainland mobile numbers: 11 digits starting 13-19, "+86"/"86" prefix, spaces and dashes allowed.
* Resident ID numbers (GB 11643-1999): 17 digits + ISO 7064 MOD 11-2 check character; the
  15-digit first-generation form is upgraded (insert century "19", compute the check character).
* Unified social credit codes (GB 32100-2015): 18 characters from a 31-character alphabet, the
  last one a MOD 31 check character.
* Full-width digits, letters and spaces (common in Excel rosters typed on Chinese IMEs) are folded
  to ASCII before any check.
"""

from __future__ import annotations

import datetime as dt
import re

from django.utils.translation import gettext as _

from .errors import ValidationFailed

# U+3000 ideographic space → space; U+FF01–U+FF5E full-width forms → ASCII 0x21–0x7E.
_HALFWIDTH = {0x3000: " ", **{code: chr(code - 0xFEE0) for code in range(0xFF01, 0xFF5F)}}
_SPACES_RE = re.compile(r"\s+")


def to_halfwidth(value: str) -> str:
    return value.translate(_HALFWIDTH)


def clean_text(value: object) -> str:
    """Half-width, trimmed, inner runs of white space folded to one space."""
    if value is None:
        return ""
    return _SPACES_RE.sub(" ", str(value).translate(_HALFWIDTH)).strip()


_PHONE_RE = re.compile(r"^1[3-9]\d{9}$")


def normalize_phone(value: object, *, field: str = "phone") -> str:
    raw = re.sub(r"[\s\-()]", "", clean_text(value))
    if raw.startswith("+86"):
        raw = raw[3:]
    elif raw.startswith("0086"):
        raw = raw[4:]
    elif raw.startswith("86") and len(raw) == 13:
        raw = raw[2:]
    if raw.endswith(".0") and raw[:-2].isdigit():  # a number that went through Excel as a float
        raw = raw[:-2]
    if not _PHONE_RE.match(raw):
        raise ValidationFailed(fields={field: _("手机号码格式不正确，应为11位大陆手机号。")})
    return raw


_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def id_check_char(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def normalize_id_number(value: object, *, field: str = "id_number") -> str:
    """Return the 18-character ID number, upgrading the 15-digit form, or raise naming ``field``."""
    raw = clean_text(value).replace(" ", "").upper()
    if len(raw) == 15 and raw.isdigit():
        raw = raw[:6] + "19" + raw[6:]
        raw += id_check_char(raw)
    if not re.fullmatch(r"\d{17}[\dX]", raw):
        raise ValidationFailed(fields={field: _("身份证号码应为18位（最后一位可为X）或15位旧号码。")})
    try:
        dt.date(int(raw[6:10]), int(raw[10:12]), int(raw[12:14]))
    except ValueError:
        raise ValidationFailed(fields={field: _("身份证号码中的出生日期无效。")}) from None
    if id_check_char(raw[:17]) != raw[17]:
        raise ValidationFailed(fields={field: _("身份证号码校验位不正确。")})
    return raw


def id_birth_date(id_number: str) -> dt.date:
    return dt.date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))


def id_sex(id_number: str) -> str:
    """'M' or 'F' from the 17th digit (odd: male)."""
    return "M" if int(id_number[16]) % 2 else "F"


_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def uscc_check_char(first17: str) -> str:
    total = sum(_USCC_ALPHABET.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return _USCC_ALPHABET[(31 - total % 31) % 31]


def normalize_uscc(value: object, *, field: str = "uscc") -> str:
    raw = clean_text(value).replace(" ", "").upper()
    if len(raw) != 18 or any(c not in _USCC_ALPHABET for c in raw):
        raise ValidationFailed(
            fields={field: _("统一社会信用代码应为18位数字或大写字母（不含I、O、Z、S、V）。")}
        )
    if uscc_check_char(raw[:17]) != raw[17]:
        raise ValidationFailed(fields={field: _("统一社会信用代码校验位不正确。")})
    return raw
