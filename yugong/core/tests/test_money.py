import pytest

from yugong.core.errors import ValidationFailed
from yugong.core.money import format_fen, parse_yuan


def test_format_and_parse():
    assert format_fen(123456) == "¥1,234.56"
    assert format_fen(-5) == "-¥0.05".replace("-¥", "¥-") or format_fen(-5) == "¥-0.05"
    assert parse_yuan("¥1,200.5元") == 120050
    with pytest.raises(ValidationFailed):
        parse_yuan("1.234")
    with pytest.raises(ValidationFailed):
        parse_yuan("abc")
