"""The worker's 排行榜 (their own union and the whole contest, names masked but their own, their
own rank even below the top) and 答案解析 (their answers, the right answers, the explanations —
only once the contest is over for everyone, never before)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.test import Client

from tests.helpers import assert_max_queries
from yugong.contests import services
from yugong.contests.models import ContestEntry, Question, rank_key
from yugong.contests.quiz import leaderboard, review
from yugong.core.errors import Conflict, NotFound
from yugong.core.pii import mask_name

from .conftest import make_contest, make_worker, right_answers

pytestmark = pytest.mark.django_db

SURNAMES = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜"


def _scored(contest: Any, union: Any, name: str, score: int, *, tenths: int = 600) -> Any:
    """A participant with a counted result (written as the submit path leaves the entry)."""
    user = make_worker(union, name)
    ContestEntry.objects.create(
        contest=contest,
        user=user,
        union=union,
        display_name=name,
        attempts=1,
        score=score,
        duration_ms=tenths * 100,
        rank_key=rank_key(score=score, tenths_used=tenths, seconds_in=60),
    )
    return user


def _people(contest: Any, union: Any, n: int, *, top: int, tag: str, first: int = 0x4E00) -> list[str]:
    """``n`` participants scoring ``top``, ``top - 1``, …; their masked names differ too."""
    names = [f"{SURNAMES[i % len(SURNAMES)]}{tag}{chr(first + i)}" for i in range(n)]
    for i, name in enumerate(names):
        _scored(contest, union, name, top - i)
    return names


@pytest.mark.parametrize("n", [3, 14])
def test_the_board_masks_every_name_but_mine_and_shows_my_rank_below_the_top(
    tree: dict[str, Any], client: Client, n: int, backend: str
) -> None:
    contest = make_contest(tree["city"])
    shop_names = _people(contest, tree["shop"], n, top=90, tag="店")  # 渝中, my union
    plant_names = _people(
        contest, tree["plant"], 4, top=100, tag="厂", first=0x5000
    )  # 江北: ahead of everyone
    me = _scored(contest, tree["shop"], "欧阳小明", 10)  # last in both boards
    leaderboard.redis_drop(contest.pk)
    client.force_login(me)
    with assert_max_queries(14):
        page = client.get(f"/contests/{contest.pk}/board/").content.decode()

    union_part = page.split('data-testid="board-union"')[1].split('data-testid="board-whole"')[0]
    whole_part = page.split('data-testid="board-whole"')[1]
    # my own union: only its people, ranked among themselves; me after the top ten when below it
    assert f"我在本单位排第 <strong>{n + 1}</strong> 名，共 {n + 1} 人参赛" in union_part
    assert union_part.count('data-testid="rank-row"') == min(n, 10) + 1
    assert all(mask_name(name) in union_part for name in shop_names[:10])
    assert not any(mask_name(name) in union_part for name in plant_names)
    assert ('class="yg-rank-gap"' in union_part) == (n >= 10)
    # the whole city: everyone
    assert f"我排第 <strong>{n + 5}</strong> 名，共 {n + 5} 人参赛" in whole_part
    assert [mask_name(x) in whole_part for x in plant_names] == [True] * 4
    # nobody else's name in clear; mine in clear, marked, in both boards
    for name in shop_names + plant_names:
        assert name not in page
    assert page.count("欧阳小明") == 2 and page.count('aria-current="true"') == 2


def test_a_worker_without_a_score_sees_their_unions_board_and_no_row_of_theirs(
    tree: dict[str, Any], client: Client, no_redis: None
) -> None:
    contest = make_contest(tree["city"])
    _people(contest, tree["shop"], 3, top=90, tag="店")
    newcomer = make_worker(tree["shop"], "刘新来")
    client.force_login(newcomer)
    page = client.get(f"/contests/{contest.pk}/board/").content.decode()
    assert "本单位共 3 人参赛，我还没有成绩" in page
    assert "共 3 人参赛，我还没有成绩" in page and "刘新来" not in page


def test_the_union_board_is_the_contest_order_inside_one_union(tree: dict[str, Any], no_redis: None) -> None:
    contest = make_contest(tree["city"])
    a = _scored(contest, tree["shop"], "甲一", 80, tenths=900)
    b = _scored(contest, tree["shop"], "乙二", 80, tenths=500)  # same score, faster
    _scored(contest, tree["plant"], "丙三", 100)
    c = _scored(contest, tree["shop"], "丁四", 70)
    key = ContestEntry.objects.get(contest=contest, user=a).rank_key
    board = leaderboard.union_people_board(contest.pk, tree["shop"].pk, a.pk, 2, key=key)
    assert [r.user_id for r in board.top] == [b.pk, a.pk]
    assert board.mine == (2, key) and board.participants == 3
    whole = leaderboard.board(contest.pk, c.pk, 10, use_redis=False)
    assert whole.mine is not None and whole.mine[0] == 4


def test_a_board_of_a_contest_the_worker_does_not_see_is_404(tree: dict[str, Any], client: Client) -> None:
    from .conftest import make_bank

    jb_contest = make_contest(tree["jb"], bank=make_bank(tree["jb"]))
    client.force_login(make_worker(tree["shop"]))
    assert client.get(f"/contests/{jb_contest.pk}/board/").status_code == 404
    assert client.get(f"/contests/{jb_contest.pk}/review/").status_code == 404


# --- 答案解析 ------------------------------------------------------------------------------------


def _submitted(contest: Any, worker: Any, *, right: bool) -> Any:
    started = services.attempt_start(user=worker, contest_id=contest.pk)
    answers = right_answers(started.attempt) if right else {}
    services.attempt_submit(user=worker, attempt_id=started.attempt.pk, answers=answers)
    return started.attempt


def test_no_answer_is_shown_before_the_contest_is_over_for_everyone(
    tree: dict[str, Any], client: Client, settings: Any
) -> None:
    settings.CONTESTS_SUBMIT_GRACE_SECONDS = 5
    contest = make_contest(tree["city"], question_count=5)
    Question.objects.filter(bank=contest.bank).update(explanation="解析：依据安全生产法第二十一条")
    worker = make_worker(tree["shop"])
    attempt = _submitted(contest, worker, right=False)
    client.force_login(worker)

    def page() -> str:
        client.force_login(worker)  # the session must outlive the trips in time
        r = client.get(f"/contests/{contest.pk}/review/?attempt={attempt.pk}")
        assert r.status_code == 200
        return r.content.decode()

    def shows_nothing(html: str) -> None:
        assert 'data-testid="review-closed"' in html
        assert "解析：依据" not in html and 'data-testid="review-item"' not in html
        assert 'data-testid="review-answer"' not in html

    shows_nothing(page())  # during the contest
    detail = client.get(f"/contests/{contest.pk}/").content.decode()
    assert 'data-testid="review-link"' not in detail and "答案与解析" in detail
    with pytest.raises(Conflict):
        review.attempt_review(user=worker, contest=contest)
    # the window has closed but an attempt may still be submitted inside the grace: still nothing
    with time_machine.travel(contest.ends_at + dt.timedelta(seconds=3)):
        shows_nothing(page())
        with pytest.raises(Conflict):
            review.attempt_review(user=worker, contest=contest, attempt_id=attempt.pk)
    # closing by status alone does not open it either (open papers run to their own deadline)
    contest.status = "closed"
    contest.save()
    shows_nothing(page())

    with time_machine.travel(contest.ends_at + dt.timedelta(seconds=6)):
        html = page()
        assert 'data-testid="review-closed"' not in html
        assert html.count('data-testid="review-item"') == 5
        assert html.count("解析：依据安全生产法第二十一条") == 5
        assert html.count('data-testid="review-given">—<') == 5  # nothing answered
        assert "答对 0 / 5 题，得 0 分" in html
        client.force_login(worker)
        detail = client.get(f"/contests/{contest.pk}/").content.decode()
        assert 'data-testid="review-link"' in detail


def test_the_review_shows_my_answers_and_the_right_ones_of_my_own_papers_only(
    tree: dict[str, Any], client: Client
) -> None:
    contest = make_contest(tree["city"], question_count=4)
    worker = make_worker(tree["shop"])
    other = make_worker(tree["shop"], "李四")
    wrong = _submitted(contest, worker, right=False)
    best = _submitted(contest, worker, right=True)
    theirs = _submitted(contest, other, right=True)
    after = contest.ends_at + dt.timedelta(minutes=1)
    with time_machine.travel(after):
        result = review.attempt_review(user=worker, contest=contest)
        assert result.paper is not None and result.paper.id == best.pk and result.paper.counted
        assert [p.id for p in result.papers] == [best.pk, wrong.pk]
        assert all(item.correct and item.given == item.answer for item in result.items)
        assert all(any(o.right and o.chosen for o in item.options) for item in result.items)
        first = review.attempt_review(user=worker, contest=contest, attempt_id=wrong.pk)
        assert not any(item.correct for item in first.items) and {i.given for i in first.items} == {""}
        with pytest.raises(NotFound):
            review.attempt_review(user=worker, contest=contest, attempt_id=theirs.pk)
        client.force_login(worker)  # signed in at the time travelled to
        assert client.get(f"/contests/{contest.pk}/review/?attempt={theirs.pk}").status_code == 404
        html = client.get(f"/contests/{contest.pk}/review/").content.decode()
        assert "答对 4 / 4 题，得 40 分" in html and "计入成绩" in html


@pytest.mark.parametrize("questions", [3, 15])
def test_the_review_page_costs_the_same_for_any_paper(
    tree: dict[str, Any], client: Client, questions: int
) -> None:
    contest = make_contest(tree["city"], question_count=questions)
    worker = make_worker(tree["shop"])
    for _ in range(2):
        _submitted(contest, worker, right=True)
    with time_machine.travel(contest.ends_at + dt.timedelta(minutes=1)):
        client.force_login(worker)
        with assert_max_queries(8):
            html = client.get(f"/contests/{contest.pk}/review/").content.decode()
    assert html.count('data-testid="review-item"') == questions
