"""The contests console reads its input through forms (``contests/forms.py``): a bad field
answers with its Chinese message naming the field, and nothing is written."""

from __future__ import annotations

from typing import Any

import pytest

from yugong.contests import skills
from yugong.contests.models import Competition, Contest, Stage

pytestmark = pytest.mark.django_db


def _messages(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def test_a_competition_with_a_non_number_quota_is_refused(tree: dict[str, Any], client: Any) -> None:
    client.force_login(tree["yz_staff"])
    r = client.post(
        "/contests/console/competitions/",
        {"organiser": tree["yz"].pk, "title": "渝中区焊工大赛", "quota_per_union": "五"},
        follow=True,
    )
    assert "每单位名额：请填写整数。" in _messages(r)
    assert not Competition.objects.exists()


def test_a_stage_with_a_word_for_its_threshold_is_refused(tree: dict[str, Any], client: Any) -> None:
    comp = skills.competition_create(actor=tree["yz_staff"], organiser=tree["yz"], title="渝中大赛")
    client.force_login(tree["yz_staff"])
    r = client.post(
        f"/contests/console/competitions/{comp.pk}/",
        {"action": "stage_add", "kind": "final", "name": "决赛", "advance_threshold": "六十"},
        follow=True,
    )
    assert "晋级分数线：请填写数字。" in _messages(r)
    assert not Stage.objects.filter(competition=comp).exists()


def test_a_knowledge_contest_needs_whole_numbers_and_real_times(tree: dict[str, Any], client: Any) -> None:
    client.force_login(tree["yz_staff"])
    r = client.post(
        "/contests/console/",
        {"organiser": tree["yz"].pk, "title": "安全知识竞赛", "question_count": "十", "starts_at": "明天"},
    )
    lines = _messages(r)
    assert "每卷题数：请填写整数。" in lines and "开始时间：请填写有效的开始和结束时间。" in lines
    assert not Contest.objects.exists()
