from __future__ import annotations

import io
from typing import Any

import pytest
from openpyxl import Workbook

from tests.helpers import UserFactory, assert_max_queries, grant
from yugong.contests import services
from yugong.contests.models import Attempt, ContestEntry, Question, QuestionBank
from yugong.contests.quiz import contest_pool
from yugong.contests.quiz.imports import parse_rows, template_xlsx

from .conftest import make_bank, make_contest, make_worker, right_answers

pytestmark = pytest.mark.django_db


def _xlsx(rows: list[list[Any]]) -> bytes:
    wb = Workbook()
    ws = wb.active
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


HEADER = ["题型", "题干", "选项A", "选项B", "选项C", "选项D", "答案", "分类", "解析"]


def test_import_validates_every_row_all_or_nothing(tree: dict[str, Any], client: Any) -> None:
    client.force_login(tree["staff"])
    bad = _xlsx(
        [
            HEADER,
            ["单选", "好题", "甲", "乙", "", "", "A", "安全", ""],
            ["单选", "坏答案", "甲", "乙", "", "", "C", "安全", ""],
            ["多选", "只一个答案", "甲", "乙", "丙", "", "A", "安全", ""],
            ["判断", "判断题", "", "", "", "", "也许", "安全", ""],
            ["问答", "题型错", "", "", "", "", "A", "", ""],
            ["单选", "好题", "甲", "乙", "", "", "A", "安全", ""],
        ]
    )
    r = client.post(
        "/api/v1/contests/manage/banks",
        {"union_id": tree["city"].pk, "name": "坏题库", "file": io.BytesIO(bad)},
    )
    assert r.status_code == 422, r.content
    fields = r.json()["fields"]
    assert set(fields) == {"第3行 / 答案", "第4行 / 答案", "第5行 / 答案", "第6行 / 题型", "第7行 / 题干"}
    assert "A、B" in fields["第3行 / 答案"][0]
    assert not QuestionBank.objects.exists()
    r = client.post(
        "/api/v1/contests/manage/banks",
        {"union_id": tree["city"].pk, "name": "安全题库", "file": io.BytesIO(template_xlsx())},
    )
    assert r.status_code == 201, r.content
    assert r.json()["questions"] == 3
    assert sorted(Question.objects.values_list("kind", "answer")) == [
        ("multiple", "ABC"),
        ("single", "A"),
        ("truefalse", "B"),
    ]


def test_parse_rows_header_errors() -> None:
    assert parse_rows([("题干",)])[1] == {"表头": ["缺少列：题型、答案。"]}


def test_staff_scope_on_contests(tree: dict[str, Any], client: Any) -> None:
    city_contest = make_contest(tree["city"], title="市级")
    jb_contest = make_contest(tree["jb"], bank=make_bank(tree["jb"]), title="江北")
    client.force_login(tree["yz_staff"])
    ids = {c["id"] for c in client.get("/api/v1/contests/manage/contests").json()}
    assert ids == set()  # nothing organised in 渝中's subtree
    assert client.get(f"/api/v1/contests/manage/contests/{jb_contest.pk}/unions").status_code == 404
    assert client.get(f"/contests/console/{jb_contest.pk}/").status_code == 404
    assert client.get(f"/api/v1/contests/{jb_contest.pk}/leaderboard").status_code == 404
    # a contest organised above: district staff see their own subtree's participation
    r = client.get(f"/api/v1/contests/manage/contests/{city_contest.pk}/unions")
    assert r.status_code == 200 and [row["name"] for row in r.json()] == ["解放碑百货工会"]
    assert (
        client.get(
            f"/api/v1/contests/manage/contests/{city_contest.pk}/unions?parent={tree['jb'].pk}"
        ).status_code
        == 404
    )
    client.force_login(tree["staff"])
    ids = {c["id"] for c in client.get("/api/v1/contests/manage/contests").json()}
    assert ids == {city_contest.pk, jb_contest.pk}
    r = client.get(f"/api/v1/contests/manage/contests/{city_contest.pk}/unions?level=district")
    assert r.status_code == 200 and {row["name"] for row in r.json()} == {"渝中区总工会", "江北区总工会"}


def test_worker_pages_and_quiz_flow(tree: dict[str, Any], client: Any) -> None:
    contest = make_contest(tree["city"], material_body="警示教育：某工地高处坠落事故。")
    worker = make_worker(tree["shop"])
    client.force_login(worker)
    assert contest.title in client.get("/contests/").content.decode()
    page = client.get(f"/contests/{contest.pk}/").content.decode()
    assert "我已认真阅读" in page and "开始答题" not in page
    assert client.post(f"/api/v1/contests/{contest.pk}/attempts").json()["code"] == "material_required"
    client.post(f"/contests/{contest.pk}/")
    assert "开始答题" in client.get(f"/contests/{contest.pk}/").content.decode()
    assert client.get(f"/contests/{contest.pk}/quiz/").status_code == 200
    a = client.post(f"/api/v1/contests/{contest.pk}/attempts").json()
    from yugong.contests.models import Attempt

    answers = right_answers(Attempt.objects.get(pk=a["id"]))
    r = client.post(
        f"/api/v1/contests/{contest.pk}/attempts/current/submit",
        {"answers": answers},
        content_type="application/json",
    )
    assert r.json()["score"] == 100
    board = client.get(f"/api/v1/contests/{contest.pk}/leaderboard").json()
    assert board["my_rank"] == 1 and board["my_score"] == 100 and board["participants"] == 1
    mine = client.get("/contests/mine/").content.decode()
    assert "下载参赛证书" in mine
    entry = ContestEntry.objects.get(contest=contest, user=worker)
    pdf = client.get(f"/contests/certificate/{entry.pk}/")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    from yugong.contests.certificates import token_for

    verify = client.get(f"/contests/verify/{token_for('q', entry.pk)}/").content.decode()
    assert "证书真实有效" in verify and "张*" in verify
    assert client.get("/contests/verify/forged/").status_code == 422
    other = UserFactory()
    client.force_login(other)
    assert client.get(f"/contests/certificate/{entry.pk}/").status_code == 404


def test_console_pages(tree: dict[str, Any], client: Any) -> None:
    contest = make_contest(tree["city"])
    client.force_login(tree["staff"])
    for url in [
        "/contests/console/",
        f"/contests/console/{contest.pk}/",
        "/contests/console/participation/",
        "/contests/console/banks/",
        "/contests/console/competitions/",
    ]:
        r = client.get(url)
        assert r.status_code == 200, url


@pytest.mark.parametrize("n", [3, 30])
def test_query_counts_flat(tree: dict[str, Any], client: Any, n: int, no_redis: None) -> None:
    contest = make_contest(tree["city"])
    workers = [make_worker(tree["shop"], name=f"职工{i}") for i in range(n)]
    for w in workers:
        a = services.attempt_start(user=w, contest_id=contest.pk).attempt
        services.attempt_submit(user=w, attempt_id=a.pk, answers=right_answers(a))
    client.force_login(workers[0])
    client.get(f"/api/v1/contests/{contest.pk}/leaderboard?limit=50")  # warm the session
    with assert_max_queries(5):  # the session's user + the database path (test_boards_http.py)
        assert client.get(f"/api/v1/contests/{contest.pk}/leaderboard?limit=50").status_code == 200
    with assert_max_queries(10):
        assert client.get("/contests/mine/").status_code == 200
    staff = UserFactory()
    grant(staff, tree["city"], "staff")
    client.force_login(staff)
    client.get(f"/contests/console/{contest.pk}/")
    with assert_max_queries(16):
        assert client.get(f"/contests/console/{contest.pk}/").status_code == 200


def test_start_submit_query_budget(tree: dict[str, Any], no_redis: None) -> None:
    """The hot path in statements (BEGIN and COMMIT are counted on SQLite, not on PostgreSQL)."""
    contest = make_contest(tree["city"])
    worker = make_worker(tree["shop"])
    contest_pool(contest.pk)  # the paper pool is loaded once per process (two queries), not per start
    # a first start: the entry (with the try counted), the membership read, the attempt
    with assert_max_queries(6):
        first = services.attempt_start(user=worker, contest_id=contest.pk).attempt
    with assert_max_queries(3):  # resuming the open attempt: one locked read
        assert services.attempt_start(user=worker, contest_id=contest.pk).attempt.pk == first.pk
    # the first scored submission: read, UPDATE attempt, UPDATE entry, union stat, fact
    answers = right_answers(first)
    with assert_max_queries(7):
        services.attempt_submit(user=worker, attempt_id=first.pk, answers=answers)
    with assert_max_queries(1):  # a retry of the same submission: the stored result
        again = services.attempt_submit(user=worker, attempt_id=first.pk, answers={})
    assert again.already and again.entry_score == 100
    # steady state: a later start (locked read, INSERT attempt, UPDATE tries) and submit
    with assert_max_queries(5):
        a = services.attempt_start(user=worker, contest_id=contest.pk).attempt
    answers = right_answers(a)
    with assert_max_queries(6):
        services.attempt_submit(user=worker, attempt_id=a.pk, answers=answers)


@pytest.mark.parametrize("n", [3, 30])
def test_start_submit_http_query_counts_flat(
    tree: dict[str, Any], client: Any, n: int, no_redis: None
) -> None:
    contest = make_contest(tree["city"], tries_per_day=5)
    for i in range(n):
        w = make_worker(tree["shop"], name=f"职工{i}")
        a = services.attempt_start(user=w, contest_id=contest.pk).attempt
        services.attempt_submit(user=w, attempt_id=a.pk, answers=right_answers(a))
    worker = make_worker(tree["shop"], name="测")
    client.force_login(worker)
    client.get(f"/api/v1/contests/{contest.pk}/leaderboard")  # warm the session
    url = f"/api/v1/contests/{contest.pk}/attempts"
    with assert_max_queries(10):
        r = client.post(url)
    assert r.status_code == 201, r.content
    answers = right_answers(Attempt.objects.get(pk=r.json()["id"]))
    with assert_max_queries(11):  # + the rank (database fallback: one COUNT)
        r = client.post(f"{url}/current/submit", {"answers": answers}, content_type="application/json")
    assert r.status_code == 200 and 1 <= r.json()["rank"] <= n + 1, r.content


def test_paper_and_result_render_like_the_schema(tree: dict[str, Any], client: Any) -> None:
    """The start and submit answers are rendered by hand (no schema pass): they must still be
    exactly what AttemptOut / ResultOut describe, datetimes as Ninja writes them."""
    from django.core.serializers.json import DjangoJSONEncoder

    from yugong.contests.api import AttemptOut, ResultOut

    contest = make_contest(tree["city"])
    worker = make_worker(tree["shop"])
    client.force_login(worker)
    r = client.post(f"/api/v1/contests/{contest.pk}/attempts")
    assert r.status_code == 201 and r["Content-Type"].startswith("application/json")
    body = r.json()
    AttemptOut.model_validate(body)
    attempt = Attempt.objects.get(pk=body["id"])
    assert body["started_at"] == DjangoJSONEncoder().default(attempt.started_at)
    assert [q["id"] for q in body["questions"]] == attempt.question_ids
    assert all(set(q) == {"id", "kind", "stem", "options"} for q in body["questions"])
    assert "answer" not in r.content.decode()
    assert client.get(f"/api/v1/contests/attempts/{attempt.pk}").json() == {**body, "resumed": True} | {
        "seconds_left": client.get(f"/api/v1/contests/attempts/{attempt.pk}").json()["seconds_left"]
    }
    r = client.post(
        f"/api/v1/contests/attempts/{attempt.pk}/submit",
        {"answers": right_answers(attempt)},
        content_type="application/json",
    )
    result = r.json()
    ResultOut.model_validate(result)
    assert result == {
        "attempt_id": attempt.pk,
        "state": "submitted",
        "already_submitted": False,
        "correct": 10,
        "total": 10,
        "score": 100,
        "duration_ms": result["duration_ms"],
        "counted_score": 100,
        "rank": 1,
    }


def test_console_contest_actions_need_a_managing_role(tree: dict[str, Any], client: Any) -> None:
    """A viewer may open the board but not publish, close or refresh the member counts (issue 12)."""
    from unittest import mock

    contest = make_contest(tree["city"])
    viewer = UserFactory()
    grant(viewer, tree["city"], "viewer")
    url = f"/contests/console/{contest.pk}/"
    for who, allowed in ((viewer, False), (tree["yz_staff"], False), (tree["staff"], True)):
        client.force_login(who)
        with mock.patch.object(
            services, "contest_members_refresh", wraps=services.contest_members_refresh
        ) as spy:
            r = client.post(url, {"action": "refresh"})
        if allowed:
            assert r.status_code == 302 and spy.call_count == 1
        else:
            assert r.status_code in (403, 404) and spy.call_count == 0, (who, r.status_code)
