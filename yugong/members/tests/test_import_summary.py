"""The roster import's summary reads in the reader's language (issue 12, item 13): it is written in
Chinese when the import runs and shown in English to an English reader."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse
from django.utils import translation

from tests.english import english  # noqa: F401  (the fixture: the catalogue with the helpers' files)
from yugong.members.roster.summary import TEMPLATES, import_message

from .test_import import good_row, run

CJK = re.compile(r"[\u4e00-\u9fff，。：（）]")


def test_the_done_summary_shows_in_english(world: dict[str, Any], client: Any) -> None:
    ri = run(world, [good_row(1), good_row(2)], mode="skip_invalid")
    assert ri.status == "done" and CJK.search(ri.message)
    client.force_login(world["staff"])
    client.cookies["django_language"] = "en"
    html = client.get(
        reverse("roster:import_detail", args=[ri.pk]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    shown = html.split('data-testid="import-message">', 1)[1].split("</div>", 1)[0]
    assert not CJK.search(shown), shown
    assert "2" in shown
    client.cookies["django_language"] = "zh-hans"
    html = client.get(
        reverse("roster:import_detail", args=[ri.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()
    assert ri.message in html


def test_the_all_or_nothing_refusal_shows_in_english(world: dict[str, Any]) -> None:
    ri = run(world, [good_row(1), good_row(2, 身份证号="123")])
    assert ri.status == "failed"
    with translation.override("en"):
        english = import_message(ri.message)
    assert not CJK.search(english) and "1" in english


@pytest.mark.usefixtures("english")
def test_every_summary_template_reads_back() -> None:
    for template in TEMPLATES:
        values = {
            name: (7 if kind == "d" else "甲列、乙列")
            for name, kind in re.findall(r"%\((\w+)\)([sd])", template)
        }
        text = template % values
        with translation.override("en"):
            english = import_message(text)
        # Header names the spreadsheet must use are quoted in Chinese on purpose.
        bare = re.sub(r"“[^”]*”", "", english.replace("甲列、乙列", ""))
        assert english != text and not CJK.search(bare), english
