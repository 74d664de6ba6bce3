"""查政策: jieba + the engine's full-text index (SQLite FTS5 here; PostgreSQL when DATABASE_URL
points there — the same tests run on both)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from tests.helpers import make_union
from yugong.accounts.system import system_actor
from yugong.rights.models import Policy
from yugong.rights.search import engine, faq_search, highlight, policy_search, query_tokens
from yugong.rights.services import faq_save, policy_save


@pytest.fixture
def library(db: Any) -> dict[str, Policy]:
    make_union(None, name="重庆市总工会")  # the system actor edits the library as every root's staff
    wages = policy_save(
        actor=system_actor(),
        title="保障农民工工资支付条例",
        issuer="国务院",
        doc_number="国务院令第724号",
        sections=[
            ("第三条", "农民工有按时足额获得工资的权利。任何单位和个人不得拖欠农民工工资。"),
            ("第十五条", "用人单位拖欠农民工工资的，应当依法予以清偿。"),
        ],
    )
    injury = policy_save(
        actor=system_actor(),
        title="工伤保险条例",
        issuer="国务院",
        doc_number="国务院令第586号",
        sections=[("第十四条", "职工在工作时间和工作场所内，因工作原因受到事故伤害的，应当认定为工伤。")],
    )
    hidden = policy_save(
        actor=system_actor(),
        title="内部草稿：工资集体协商<script>",
        issuer="市总工会",
        published=False,
        sections=[("一", "工资集体协商草稿")],
    )
    faq_save(
        actor=system_actor(),
        question="公司拖欠工资怎么办？",
        answer="可拨打12351，或向劳动保障监察投诉。",
    )
    return {"wages": wages, "injury": injury, "hidden": hidden}


def test_engine_matches_the_database() -> None:
    assert engine() == {"postgresql": "postgresql", "sqlite": "sqlite"}.get(connection.vendor, "like")


def test_query_tokens_drop_question_words() -> None:
    assert query_tokens("公司拖欠工资怎么办？") == ["公司", "拖欠", "工资"]
    assert query_tokens("  ") == []


def test_finds_by_chinese_words_and_ranks(library: dict[str, Policy]) -> None:
    hits = policy_search("拖欠工资")
    assert [h.policy for h in hits] == [library["wages"]]
    assert "<mark>拖欠</mark>" in hits[0].snippet and "<mark>工资</mark>" in hits[0].title
    assert [h.policy for h in policy_search("工伤认定")] == [library["injury"]]
    # sub-words from search-mode indexing: 农民工 → 农民
    assert library["wages"] in [h.policy for h in policy_search("农民")]


def test_falls_back_to_any_word(library: dict[str, Policy]) -> None:
    # "公司" appears nowhere, all-words fails; any-word still finds the wage rules
    assert [h.policy for h in policy_search("公司拖欠工资怎么办")] == [library["wages"]]


def test_unpublished_never_shows_and_output_is_escaped(library: dict[str, Policy]) -> None:
    assert all(h.policy != library["hidden"] for h in policy_search("集体协商"))
    marked = highlight("<b>工资</b>", ["工资"])
    assert marked == "&lt;b&gt;<mark>工资</mark>&lt;/b&gt;"


def test_index_follows_edits(library: dict[str, Policy]) -> None:
    policy_save(
        actor=system_actor(),
        policy=library["injury"],
        title="工伤保险条例（修订）",
        issuer="国务院",
        sections=[("第十四条", "职工患职业病的，应当认定为工伤。")],
    )
    assert [h.policy for h in policy_search("职业病")] == [library["injury"]]
    assert policy_search("事故伤害") == []


def test_faq_search(library: dict[str, Policy]) -> None:
    hits = faq_search("拖欠工资")
    assert len(hits) == 1 and "<mark>" in hits[0].question


def test_api(library: dict[str, Policy], client: Any) -> None:
    response = client.get("/api/v1/rights/policies/search", {"q": "拖欠工资"})
    assert response.status_code == 200
    body = response.json()
    assert body["policies"][0]["id"] == library["wages"].pk
    assert "<mark>" in body["policies"][0]["snippet_html"]
    assert body["faqs"]
    assert client.get("/api/v1/rights/policies/search", {"q": ""}).status_code == 422
    detail = client.get(f"/api/v1/rights/policies/{library['wages'].pk}").json()
    assert detail["sections"][0]["heading"] == "第三条"
    assert client.get(f"/api/v1/rights/policies/{library['hidden'].pk}").status_code == 404


def test_h5_page(library: dict[str, Policy], client: Any) -> None:
    response = client.get("/rights/policies/", {"q": "工伤"})
    assert response.status_code == 200
    assert "<mark>工伤</mark>" in response.content.decode()
    partial = client.get("/rights/policies/", {"q": "工伤"}, headers={"HX-Request": "true"})
    assert b"<html" not in partial.content
