from __future__ import annotations

import io
from typing import Any

import pytest

from yugong.contests import demo
from yugong.contests.models import Competition, Contest, Question

pytestmark = pytest.mark.django_db


def test_demo_seed_is_idempotent(tree: dict[str, Any]) -> None:
    demo.seed(io.StringIO())
    demo.seed(io.StringIO())
    contest = Contest.objects.get(title=demo.CONTEST_TITLE)
    assert (contest.question_count, contest.time_limit_seconds, contest.tries_per_day) == (10, 600, 3)
    assert Question.objects.filter(bank=contest.bank).count() == 60
    assert len({q.answer for q in Question.objects.filter(kind="single")}) > 1
    for q in Question.objects.all():
        assert all(ch in "ABCDEF"[: len(q.options)] for ch in q.answer)
    comp = Competition.objects.get(title=demo.COMPETITION_TITLE)
    assert comp.stages.count() == 2
    assert sum(i.subitems.count() for i in comp.stages.get(order=1).items.filter(kind="practical")) == 6
