import pytest
from hypothesis import given
from hypothesis import strategies as st

from yugong.core.errors import ValidationFailed
from yugong.core.validators import (
    id_birth_date,
    id_check_char,
    id_sex,
    normalize_id_number,
    normalize_phone,
    normalize_uscc,
    to_halfwidth,
    uscc_check_char,
)


def test_id_number_published_example():
    # GB 11643-1999 annex example: 11010519491231002X
    assert normalize_id_number("11010519491231002x") == "11010519491231002X"
    assert id_birth_date("11010519491231002X").isoformat() == "1949-12-31"
    assert id_sex("11010519491231002X") == "F"


def test_id_number_fifteen_digits_upgraded():
    assert normalize_id_number("110105491231002") == "11010519491231002X"


@pytest.mark.parametrize(
    "bad", ["110105194912310021", "11010519491331002X", "1101051949", "ABCDEFGHIJKLMNOPQR"]
)
def test_id_number_rejected_naming_the_field(bad):
    with pytest.raises(ValidationFailed) as exc:
        normalize_id_number(bad, field="身份证号")
    assert "身份证号" in exc.value.fields


def test_full_width_digits_and_spaces_are_folded():
    assert to_halfwidth("１３８　００１３８０００") == "138 00138000"
    assert normalize_phone("１３８ ００１３ ８０００") == "13800138000"
    assert normalize_phone("+86 138-0013-8000") == "13800138000"
    assert normalize_phone("13800138000.0") == "13800138000"


@pytest.mark.parametrize("bad", ["12800138000", "1380013800", "abc", ""])
def test_bad_phone(bad):
    with pytest.raises(ValidationFailed) as exc:
        normalize_phone(bad)
    assert exc.value.fields["phone"]


def test_uscc_known_code():
    # A published code (Tencent's: 9144030071526726XG) verifies.
    assert normalize_uscc("9144030071526726xg") == "9144030071526726XG"
    with pytest.raises(ValidationFailed):
        normalize_uscc("9144030071526726XA")


@given(st.text(alphabet="0123456789", min_size=17, max_size=17))
def test_id_check_char_roundtrip(first17):
    candidate = first17[:6] + "19900101" + first17[14:]
    full = candidate + id_check_char(candidate)
    assert normalize_id_number(full) == full


@given(st.text(alphabet="0123456789ABCDEFGHJKLMNPQRTUWXY", min_size=17, max_size=17))
def test_uscc_check_char_roundtrip(first17):
    assert normalize_uscc(first17 + uscc_check_char(first17)) == first17 + uscc_check_char(first17)


# --- Only ASCII 0-9 are digits (issue 12: Arabic-Indic and other Unicode digits) ------------------

_FOREIGN = [str.maketrans("0123456789", d) for d in ("٠١٢٣٤٥٦٧٨٩", "۰۱۲۳۴۵۶۷۸۹", "०१२३४५६७८९", "০১২৩৪৫৬৭৮৯")]


@pytest.mark.parametrize("table", _FOREIGN)
def test_foreign_digits_are_not_digits_in_any_validator(table):
    from yugong.core.validators import is_ascii_digits

    assert not is_ascii_digits("13800138000".translate(table))
    for validator, good in (
        (normalize_phone, "13800138000"),
        (normalize_phone, "+86 138-0013-8000"),
        (normalize_id_number, "11010519491231002X"),
        (normalize_id_number, "110105491231002"),
        (normalize_uscc, "9144030071526726XG"),
    ):
        validator(good)  # the ASCII value passes
        with pytest.raises(ValidationFailed):
            validator(good.translate(table))


def test_birth_dates_must_be_a_living_persons():
    import datetime as dt

    from yugong.core.validators import OLDEST_AGE, birth_date_problem

    today = dt.date(2026, 12, 6)
    assert birth_date_problem(dt.date(1990, 1, 1), today=today) == ""
    assert birth_date_problem(today, today=today) == ""
    assert "晚于今天" in birth_date_problem(dt.date(2026, 12, 7), today=today)
    assert "早于" in birth_date_problem(dt.date(1850, 1, 1), today=today)
    assert birth_date_problem(dt.date(2026 - OLDEST_AGE - 1, 12, 7), today=today) == ""  # aged 120
    assert birth_date_problem(dt.date(2026 - OLDEST_AGE - 1, 12, 6), today=today)  # 121 today
    first17 = "50010320991231123"
    future = first17 + id_check_char(first17)
    with pytest.raises(ValidationFailed) as exc:
        normalize_id_number(future, today=today)
    assert "晚于今天" in str(exc.value.fields["id_number"])
    first17 = "50010318500101123"
    with pytest.raises(ValidationFailed):
        normalize_id_number(first17 + id_check_char(first17), today=today)
