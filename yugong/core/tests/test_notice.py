"""The shared 公示 pieces that need no scenario: the reason and the answer rules, the abstract
objection row. The flow itself is proven through both scenarios that use it
(``assistance/tests/test_services.py``, ``honors/tests/test_services.py``)."""

from __future__ import annotations

import pytest

from yugong.core.errors import ValidationFailed
from yugong.core.notice import REASON_MAX, ObjectionBase, clean_answer, clean_reason


def test_a_reason_is_folded_trimmed_required_and_at_most_500_characters() -> None:
    assert clean_reason("  收入\u3000不实 ") == "收入 不实"
    assert clean_reason("异" * REASON_MAX) == "异" * REASON_MAX
    for bad in ("", "   ", None, "异" * (REASON_MAX + 1)):
        with pytest.raises(ValidationFailed) as exc:
            clean_reason(bad)
        assert exc.value.fields == {"reason": ["请填写异议理由（500字以内）。"]} or list(
            exc.value.fields
        ) == ["reason"]


def test_an_answer_is_required_and_at_most_500_characters_on_its_field() -> None:
    assert clean_answer(" 经核实不属实 ") == "经核实不属实"
    with pytest.raises(ValidationFailed) as exc:
        clean_answer(" ")
    assert list(exc.value.fields) == ["answer"]
    with pytest.raises(ValidationFailed) as exc:
        clean_answer("意" * (REASON_MAX + 1), "note")
    assert list(exc.value.fields) == ["note"]


def test_the_objection_row_is_abstract_and_open_until_handled() -> None:
    assert ObjectionBase._meta.abstract
    names = {f.name for f in ObjectionBase._meta.get_fields()}
    assert names == {"raised_by", "reason", "created_at", "handled_at", "upheld", "answer"}

    class Row:
        handled_at = None

    assert ObjectionBase.is_open.fget(Row())  # type: ignore[attr-defined]
