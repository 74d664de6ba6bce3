"""The wording check of job posts: requirements that discriminate by gender, age, household
registration (户籍), marital or childbearing status, or infectious-disease carrier status.

The 就业促进法 (Employment Promotion Law) art. 3, 26, 27, 30 and 31 forbid discrimination by sex,
ethnicity, household registration and carrier status; the 妇女权益保障法 art. 43 forbids asking about
marriage and childbearing or making them a condition of hiring; age limits are flagged because
human-resources departments treat them as discriminatory notices (人社部 2019 通知). A rule flags a
phrase; phrases that *lift* a limit (男女不限, 不限户籍, 婚育不限) are not flagged. Legal minimums
(年满16/18周岁) are not age discrimination.

Pure Python (no database): services call :func:`check` on submit and at review."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from yugong.core.validators import to_halfwidth


@dataclass(frozen=True)
class Flag:
    kind: str
    label: Promise
    phrase: str


# [0-9], never \d: only ASCII digits count (a Unicode digit is not a number here).
_NOT = r"(?<!不)(?<!无)"
RULES: tuple[tuple[str, Promise, re.Pattern[str]], ...] = (
    (
        "gender",
        _("性别"),
        re.compile(
            _NOT + r"(?:限|仅限|只招|只要|只限|要求)\s*(?:男|女)(?:性|士|生)?(?!女|男|不限)"
            r"|(?:男|女)(?:性|士|生)?优先"
            r"|性别(?:要求)?\s*[:]?\s*(?:男|女)(?!女|男)"
            r"|(?:不招|不要|不收)(?:男|女)(?:性|士|生)?"
        ),
    ),
    (
        "age",
        _("年龄"),
        re.compile(
            r"(?<![0-9])(?!1[68]周?岁)[0-9]{2}\s*周?岁\s*(?:以下|以内|以上|之间|以前)"
            r"|[0-9]{2}\s*[-~至到]\s*[0-9]{2}\s*周?岁"
            r"|年龄\s*(?:要求|限制)?\s*[:]?\s*(?:不超过|不大于|不高于|小于|低于|在|限)?\s*[0-9]{2}"
            r"|(?:年轻|未满[0-9]{2})"
        ),
    ),
    (
        "hukou",
        _("户籍"),
        re.compile(
            r"(?:本地|本市|本区|城镇|农村|非农)?(?<!不限)(?<!不论)(?<!不问)(?:户口|户籍)(?!不限)(?!不论)"
            r"|(?:本地|本市|本区|城镇|农村|非农)(?:人|人员|人士)(?:优先)?(?=[，。,.;；\s]|$)"
        ),
    ),
    (
        "marital",
        _("婚育状况"),
        re.compile(
            r"(?<!不限)(?:已婚已育|已婚|未婚|已育|未育|单身)(?!不限)"
            r"|(?:[0-9一二三两]年内|近期)(?:不|无)(?:生育|怀孕|要孩子)"
            r"|无(?:生育|怀孕)计划"
            r"|(?<!不限)婚育(?:状况)?(?!不限)"
        ),
    ),
    ("carrier", _("传染病病原携带"), re.compile(r"(?:乙肝|HBV)(?:病毒)?(?:携带者)?|携带者")),
)


def check(text: str) -> list[Flag]:
    """Every discriminatory phrase in ``text``, in order (one flag per match)."""
    folded = to_halfwidth(text or "")
    flags: list[Flag] = []
    for kind, label, pattern in RULES:
        for match in pattern.finditer(folded):
            flags.append(Flag(kind=kind, label=label, phrase=match.group(0).strip()))
    return flags
