"""Chinese identifiers and input normalisation.

* Mainland mobile numbers: 11 digits starting 13-19, "+86"/"86" prefix, spaces and dashes allowed.
* Resident ID numbers (GB 11643-1999): 17 digits + ISO 7064 MOD 11-2 check character; the
  15-digit first-generation form is upgraded (insert century "19", compute the check character).
* Unified social credit codes (GB 32100-2015): 18 characters from a 31-character alphabet, the
  last one a MOD 31 check character.
* Full-width digits, letters and spaces (common in Excel rosters typed on Chinese IMEs) are folded
  to ASCII before any check.
* **Digits are ASCII 0-9 only** (after that folding). Python's ``\\d``, ``str.isdigit()`` and ``int()``
  also accept Arabic-Indic (``٥``), Devanagari and other Unicode digits; an ID number typed with them
  would be stored as typed and become a second person beside the same number in ASCII. Every pattern
  here is compiled with ``re.ASCII`` and digit tests go through :func:`is_ascii_digits`.
* Birth dates (of an ID number, or given) are plausible: not after today, not more than
  ``OLDEST_AGE`` years ago (:func:`birth_date_problem`). Age rules of a domain (16 to join a union) sit
  in that domain, on top of this.
"""

from __future__ import annotations

import datetime as dt
import re

from django.utils.translation import gettext as _

from .errors import ValidationFailed
from .timeutil import local_today

# U+3000 ideographic space → space; U+FF01–U+FF5E full-width forms → ASCII 0x21–0x7E.
_HALFWIDTH = {0x3000: " ", **{code: chr(code - 0xFEE0) for code in range(0xFF01, 0xFF5F)}}
_SPACES_RE = re.compile(r"\s+")


def is_ascii_digits(text: str) -> bool:
    """True when ``text`` is one or more of 0-9 (``"٥".isdigit()`` is True; this is not)."""
    return text.isascii() and text.isdigit()


def to_halfwidth(value: str) -> str:
    return value.translate(_HALFWIDTH)


def clean_text(value: object) -> str:
    """Half-width, trimmed, inner runs of white space folded to one space."""
    if value is None:
        return ""
    return _SPACES_RE.sub(" ", str(value).translate(_HALFWIDTH)).strip()


_PHONE_RE = re.compile(r"1[3-9][0-9]{9}", re.ASCII)


def normalize_phone(value: object, *, field: str = "phone") -> str:
    raw = re.sub(r"[\s\-()]", "", clean_text(value))
    if raw.startswith("+86"):
        raw = raw[3:]
    elif raw.startswith("0086"):
        raw = raw[4:]
    elif raw.startswith("86") and len(raw) == 13:
        raw = raw[2:]
    if raw.endswith(".0") and is_ascii_digits(raw[:-2]):  # a number that went through Excel as a float
        raw = raw[:-2]
    if not _PHONE_RE.fullmatch(raw):
        raise ValidationFailed(fields={field: _("手机号码格式不正确，应为11位大陆手机号。")})
    return raw


_ID_RE = re.compile(r"[0-9]{17}[0-9X]", re.ASCII)
# No living person was born more than this many years ago (the oldest verified age is 122).
OLDEST_AGE = 120


def age_on(birth: dt.date, day: dt.date) -> int:
    """Completed years of age on ``day``."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def birth_date_problem(birth: dt.date, *, today: dt.date | None = None, in_id_number: bool = False) -> str:
    """Why ``birth`` cannot be a living person's birth date ("" when it can): after today, or more
    than ``OLDEST_AGE`` years ago. The one plausibility rule for birth dates, typed or read from an
    ID number (``in_id_number`` only words the message)."""
    today = today or local_today()
    if birth > today:
        return _("身份证号码中的出生日期晚于今天。") if in_id_number else _("出生日期晚于今天，请检查。")
    if age_on(birth, today) > OLDEST_AGE:
        year = today.year - OLDEST_AGE
        if in_id_number:
            return _("身份证号码中的出生日期早于%(year)d年，请检查号码。") % {"year": year}
        return _("出生日期早于%(year)d年，请检查。") % {"year": year}
    return ""


_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def id_check_char(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def normalize_id_number(value: object, *, field: str = "id_number", today: dt.date | None = None) -> str:
    """Return the 18-character ID number, upgrading the 15-digit form, or raise naming ``field``.
    The birth date it holds must be a real date a living person can have (:func:`birth_date_problem`:
    not in the future, not more than ``OLDEST_AGE`` years ago)."""
    raw = clean_text(value).replace(" ", "").upper()
    if len(raw) == 15 and is_ascii_digits(raw):
        raw = raw[:6] + "19" + raw[6:]
        raw += id_check_char(raw)
    if not _ID_RE.fullmatch(raw):
        raise ValidationFailed(fields={field: _("身份证号码应为18位（最后一位可为X）或15位旧号码。")})
    try:
        birth = id_birth_date(raw)
    except ValueError:
        raise ValidationFailed(fields={field: _("身份证号码中的出生日期无效。")}) from None
    if id_check_char(raw[:17]) != raw[17]:
        raise ValidationFailed(fields={field: _("身份证号码校验位不正确。")})
    problem = birth_date_problem(birth, today=today, in_id_number=True)
    if problem:
        raise ValidationFailed(fields={field: problem})
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


def isbn13_check_digit(first12: str) -> str:
    total = sum(int(c) * (3 if i % 2 else 1) for i, c in enumerate(first12))
    return str((10 - total % 10) % 10)


def isbn10_check_char(first9: str) -> str:
    total = sum(int(c) * (10 - i) for i, c in enumerate(first9))
    check = (11 - total % 11) % 11
    return "X" if check == 10 else str(check)


def normalize_isbn(value: object, *, field: str = "isbn") -> str:
    """An ISBN as its 13 digits (ISO 2108): hyphens, spaces and an "ISBN" prefix dropped, full-width
    folded; a 10-character ISBN (last character 0-9 or X, MOD 11) is converted to its 978 form. The
    check digit must match (a mistyped digit is caught, not stored)."""
    raw = re.sub(r"[\s\-]", "", clean_text(value)).upper()
    if raw.startswith("ISBN"):
        raw = raw[4:].lstrip(":")
    if len(raw) == 10 and is_ascii_digits(raw[:9]) and (is_ascii_digits(raw[9]) or raw[9] == "X"):
        if isbn10_check_char(raw[:9]) != raw[9]:
            raise ValidationFailed(fields={field: _("ISBN 校验位不正确，请核对书号。")})
        raw = "978" + raw[:9]
        return raw + isbn13_check_digit(raw)
    if len(raw) != 13 or not is_ascii_digits(raw) or raw[:3] not in ("978", "979"):
        raise ValidationFailed(fields={field: _("ISBN 应为13位数字（978或979开头）或10位书号。")})
    if isbn13_check_digit(raw[:12]) != raw[12]:
        raise ValidationFailed(fields={field: _("ISBN 校验位不正确，请核对书号。")})
    return raw
