"""Appeal titles: cut at a word boundary, never between a number and its unit, full-width
punctuation kept (issue 12, item 10)."""

from __future__ import annotations

import pytest

from yugong.rights import services
from yugong.rights.titles import DERIVED_TITLE_LENGTH, title_from

from .conftest import Tree

WAGES = "我在某建筑工地做钢筋工，公司拖欠我们三个月工资，共计约2.4万元，多次催讨无果，老板说下个月再给。"


def test_number_and_unit_stay_together_and_commas_stay_full_width() -> None:
    # 38 characters before "约2.4万元" ends: a 40-character cut used to end in "共计约2.4".
    text = "公司拖欠我们工地三十多个工友整整三个月的工资,共计约2.4万元,多次催讨无果"
    title = title_from(text, limit=26)
    assert "," not in title
    assert "2.4" not in title or "2.4万元" in title
    assert title.endswith("…")
    assert title == "公司拖欠我们工地三十多个工友整整三个月的工资…"
    title = title_from(text, limit=32)
    assert title == "公司拖欠我们工地三十多个工友整整三个月的工资，共计约2.4万元…"


@pytest.mark.parametrize(
    ("text", "limit"),
    [
        (WAGES, 40),
        (WAGES, 30),
        (WAGES, 20),
        ("工地包工头跑路了欠薪一共有十二个工友每个人大约欠了15000元现在找不到人了怎么办才好", 30),
        ("2026年12月07日下午3点半在解放碑的工地上受伤，公司不给报工伤还说是我自己不小心造成的", 24),
        ("My employer refuses to pay overtime for three months and threatens to fire me", 30),
        ("加班费按照每小时25.5元计算一共加班了120小时但是公司只给了1500元", 22),
    ],
)
def test_cuts_only_between_words(text: str, limit: int) -> None:
    title = title_from(text, limit=limit)
    assert len(title) <= limit
    assert title.endswith("…")
    body = title[:-1]
    assert text.replace(",", "，").startswith(body)
    rest = text[len(body) :]
    # The cut is at a word boundary: the words of the kept part are the words of the text's start.
    from yugong.rights.titles import _groups

    groups = _groups(text)
    joined = ""
    for group in groups:
        if len(joined) >= len(body.rstrip("，。 ")):
            break
        joined += group
    assert joined.rstrip("，。；、 ") == body.rstrip("，。；、 "), (title, rest)
    # Numbers keep their unit.
    for number_unit in ("2.4万元", "15000元", "25.5元", "120小时", "1500元", "12月"):
        if number_unit[:-1] in body and number_unit in text:
            assert number_unit in body, title


def test_english_words_are_not_split() -> None:
    title = title_from("My employer refuses to pay overtime for three months", limit=25)
    assert title == "My employer refuses to…"


def test_a_single_very_long_word_is_cut_hard() -> None:
    title = title_from("Supercalifragilisticexpialidocious" * 3, limit=20)
    assert len(title) == 20 and title.endswith("…")


def test_full_width_letters_and_digits_fold_punctuation_stays() -> None:
    assert (
        title_from("ＡＢＣ公司拖欠工资１２个月（共计３万元）！", limit=40)
        == "ABC公司拖欠工资12个月（共计3万元）！"
    )
    assert title_from("工资,共计;约:多少?", limit=40) == "工资，共计；约：多少？"
    # Half-width marks between Latin text stay half-width.
    assert title_from("Hello, world", limit=40) == "Hello, world"


def test_short_text_is_kept_whole() -> None:
    assert title_from("公司拖欠三个月工资。", limit=40) == "公司拖欠三个月工资。"


def test_an_appeal_without_subject_gets_a_derived_title(tree: Tree) -> None:
    appeal = services.appeal_create(
        actor=tree.operator,
        channel="hotline",
        category="wages",
        facts=WAGES.replace("，", ","),
        caller_name="张三",
        caller_phone="13912345678",
    )
    assert len(appeal.subject) <= DERIVED_TITLE_LENGTH
    assert "," not in appeal.subject
    assert "约2.4万元" in appeal.subject
    assert appeal.subject.endswith("…")


def test_a_given_subject_keeps_its_punctuation(tree: Tree) -> None:
    appeal = services.appeal_create(
        actor=tree.operator,
        channel="hotline",
        category="wages",
        subject="欠薪，约２.４万元（三个月）",
        facts="公司拖欠三个月工资。",
        caller_name="张三",
        caller_phone="13912345678",
    )
    assert appeal.subject == "欠薪，约2.4万元（三个月）"


def test_the_list_column_cuts_by_the_same_rule() -> None:
    from django.template import Context, Template

    out = Template("{% load rights_tags %}{{ s|title_cut:30 }}").render(Context({"s": WAGES}))
    assert out == title_from(WAGES, limit=30)
    assert "2.4" not in out or "2.4万元" in out
