"""The discrimination wording check on a table of examples (就业促进法)."""

from __future__ import annotations

import pytest

from yugong.jobs import wording

FLAGGED = [
    ("限男性", "gender"),
    ("仅限女性，形象好", "gender"),
    ("男性优先", "gender"),
    ("女士优先", "gender"),
    ("性别：男", "gender"),
    ("只招男生", "gender"),
    ("35岁以下", "age"),
    ("年龄18-35周岁", "age"),
    ("年龄不超过40", "age"),
    ("25～45岁", "age"),
    ("要求年轻有活力", "age"),
    ("限本地户口", "hukou"),
    ("要求重庆户籍", "hukou"),
    ("本市人优先", "hukou"),
    ("已婚已育", "marital"),
    ("未婚", "marital"),
    ("两年内不生育", "marital"),
    ("无生育计划", "marital"),
    ("乙肝携带者勿扰", "carrier"),
]

CLEAN = [
    "男女不限",
    "不限男女",
    "性别不限",
    "户籍不限",
    "不限户籍",
    "婚育不限",
    "年满18周岁",
    "年满16周岁，身体健康",
    "女装导购，熟悉服装搭配",
    "缴纳五险一金（含生育保险）",
    "三年以上焊工经验，持特种作业操作证",
    "熟练使用CAD 3年以上",
    "每月休息4天，包吃住",
]


@pytest.mark.parametrize(("text", "kind"), FLAGGED)
def test_discriminatory_wording_is_flagged(text: str, kind: str) -> None:
    kinds = {f.kind for f in wording.check(text)}
    assert kind in kinds, f"{text!r} should be flagged as {kind}, got {kinds}"


@pytest.mark.parametrize("text", CLEAN)
def test_neutral_wording_passes(text: str) -> None:
    assert wording.check(text) == []


def test_full_width_digits_and_colons_are_folded_first() -> None:
    assert {f.kind for f in wording.check("年龄：３５岁以下")} == {"age"}
