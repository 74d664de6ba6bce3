"""The page-form convention (``core.forms``): fields that parse what pages post, and errors that
name their field in the same shape a service raises."""

from __future__ import annotations

import pytest
from django import forms
from django.utils import translation

from yugong.core.errors import ValidationFailed
from yugong.core.forms import FlagField, IdField, PageForm, TextListField, YuanField


class Sample(PageForm):
    amount = YuanField(label="金额（元）")
    agreed = FlagField(label="结果")
    row = IdField(label="工会")
    note = forms.CharField(label="说明", max_length=5)
    lines = TextListField(label="条目")


def test_clean_values() -> None:
    form = Sample({"amount": "¥1,200.5", "agreed": "on", "row": "7", "note": "好", "lines": ["a", "b"]})
    data = form.valid_or_raise()
    assert data == {"amount": 120050, "agreed": True, "row": 7, "note": "好", "lines": ["a", "b"]}


def test_empty_values() -> None:
    data = Sample({"note": "x", "agreed": "0"}).valid_or_raise()
    assert data == {"amount": 0, "agreed": False, "row": None, "note": "x", "lines": []}


def test_errors_name_their_field_in_chinese() -> None:
    with translation.override("zh-hans"), pytest.raises(ValidationFailed) as caught:
        Sample({"amount": "1.005", "row": "x", "note": ""}).valid_or_raise()
    assert caught.value.fields == {
        "amount": ["金额（元）：金额最多保留两位小数。"],
        "row": ["工会：请选择有效的一项。"],
        "note": ["说明：这个字段是必填项。"],
    }


def test_service_errors_land_on_their_field() -> None:
    form = Sample({"note": "x"})
    form.is_valid()
    form.apply_errors(ValidationFailed(fields={"sum": "太多了"}), rename={"sum": "amount"})
    form.apply_errors(ValidationFailed(message="不行"))
    assert form.errors == {"amount": ["太多了"], "__all__": ["不行"]}


def test_widgets_carry_bulma_classes() -> None:
    class Styled(PageForm):
        name = forms.CharField(label="姓名")
        note = forms.CharField(label="说明", widget=forms.Textarea)
        when = forms.DateField(label="日期", widget=forms.DateInput(attrs={"type": "date"}))
        kind = forms.ChoiceField(label="类别", choices=[("a", "甲")])
        agree = forms.BooleanField(label="同意", required=False)
        own = forms.CharField(label="自定", widget=forms.TextInput(attrs={"class": "input is-small"}))
        token = forms.CharField(widget=forms.HiddenInput)

    form = Styled()
    html = str(form["name"]), str(form["note"]), str(form["when"]), str(form["own"])
    assert 'class="input"' in html[0] and 'class="textarea"' in html[1] and 'class="input"' in html[2]
    assert 'class="input is-small"' in html[3]  # a form's own choice is kept
    assert "class=" not in str(form["kind"]) and "class=" not in str(form["agree"])
    assert "class=" not in str(form["token"])
    assert Styled.base_fields["name"].widget.attrs == {}  # per instance, the class's fields untouched
