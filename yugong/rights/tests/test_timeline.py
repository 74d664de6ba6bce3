"""Timeline entries read in the reader's language (issue 12, item 13): the texts the services write
in Chinese are shown in English to an English reader; staff's and workers' own words stay."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.utils import translation

from yugong.rights import services
from yugong.rights.models import AppealEvent
from yugong.rights.timeline import TEMPLATES, localize_text

from .conftest import Tree

CJK = re.compile(r"[\u4e00-\u9fff（），：。【】]")


def _appeal(tree: Tree) -> Any:
    return services.appeal_create(
        actor=tree.operator,
        channel="hotline",
        category="wages",
        facts="公司拖欠三个月工资。",
        caller_name="张三",
        caller_phone="13912345678",
        employer=tree.employer,
    )


def test_the_steps_the_services_write_read_in_english(tree: Tree) -> None:
    appeal = _appeal(tree)
    services.appeal_transfer(actor=tree.operator, appeal=appeal, to_union=tree.yuzhong, reason="人手不足")
    names = {tree.store.name, tree.yuzhong.name, tree.city.name, "人手不足"}
    texts = list(AppealEvent.objects.filter(appeal=appeal).values_list("text", flat=True))
    assert len(texts) >= 3 and all(CJK.search(t) for t in texts if t)
    with translation.override("en"):
        for text in texts:
            english = localize_text(text)
            for name in names:
                english = english.replace(name, "")
            assert not CJK.search(english), (text, english)
    with translation.override("zh-hans"):
        assert [localize_text(t) for t in texts] == texts


@pytest.mark.parametrize("template", [t for t in TEMPLATES if "%(" in t])
def test_every_template_reads_back(template: str) -> None:
    params = {
        name: "12351-2026-000001" if name == "n" else "数据" for name in re.findall(r"%\((\w+)\)s", template)
    }
    text = template % params
    with translation.override("en"):
        english = localize_text(text)
    assert english != text
    assert not CJK.search(english.replace("数据", "")), english


def test_own_words_stay_as_written(tree: Tree) -> None:
    with translation.override("en"):
        assert localize_text("已电话联系用人单位，明天上午约谈。") == "已电话联系用人单位，明天上午约谈。"
        assert localize_text("") == ""
        # A follow-up result (a message) then the staff member's note (data).
        assert localize_text("多次联系未接通 明天再打") == "No answer after several attempts 明天再打"


def test_the_pages_show_the_timeline_in_english(client: Any, tree: Tree) -> None:
    appeal = _appeal(tree)
    client.force_login(tree.operator)
    client.cookies["django_language"] = "en"
    html = client.get(f"/rights/console/appeals/{appeal.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    timeline = html.split('data-testid="timeline"', 1)[1].split("</ol>", 1)[0]
    assert "Assigned to" in timeline and "分派至" not in timeline


def test_a_referral_with_its_lawyer_reads_in_english() -> None:
    with translation.override("zh-hans"):
        from django.utils.translation import gettext as _

        text = _("移交%(kind)s：%(agency)s") % {
            "kind": "法律援助（指派律师）",
            "agency": "市法律援助中心",
        } + _("，承办律师：%(lawyer)s") % {"lawyer": "李律师"}
    with translation.override("en"):
        english = localize_text(text)
    assert english.startswith("Referred to") and "李律师" in english and "承办律师" not in english
