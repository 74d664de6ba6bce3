"""Answer review for a worker after a knowledge contest: their own submitted papers, question by
question — what they answered, the right answer, whether it counted, the explanation.

**Never before the contest is over for everyone.** An open attempt's deadline is capped at the
contest's end and a submission is accepted until ``deadline + grace`` (``attempts.grace_seconds``),
so the right answers appear only from ``ends_at + grace`` on: before that, someone could read them
in one tab and submit them in another. Closing a contest early by status does not open the review
(an attempt open at that moment may still be submitted until its own deadline). This module is the
one place that decides it (:func:`review_open`); :func:`attempt_review` refuses before, whatever
the caller checked.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from yugong.core.errors import Conflict, NotFound
from yugong.core.timeutil import now

from ..models import Attempt, Contest, ContestEntry, Question
from .attempts import grace_seconds
from .paper import LETTERS, normalise_answer


def review_opens_at(contest: Contest) -> dt.datetime:
    return contest.ends_at + dt.timedelta(seconds=grace_seconds())


def review_open(contest: Contest, at: dt.datetime | None = None) -> bool:
    return (at or now()) >= review_opens_at(contest)


@dataclass(frozen=True)
class Option:
    letter: str
    text: str
    chosen: bool
    right: bool


@dataclass(frozen=True)
class ReviewItem:
    number: int
    kind: str
    kind_label: str
    stem: str
    options: list[Option]
    given: str
    answer: str
    correct: bool
    explanation: str


@dataclass(frozen=True)
class PaperSummary:
    id: int
    submitted_at: dt.datetime | None
    score: int | None
    correct: int
    total: int
    counted: bool


@dataclass(frozen=True)
class Review:
    papers: list[PaperSummary]
    paper: PaperSummary | None
    items: list[ReviewItem]


PAPERS_SHOWN = 20


def attempt_review(
    *, user: Any, contest: Contest, attempt_id: int | None = None, at: dt.datetime | None = None
) -> Review:
    """The user's submitted papers of ``contest`` (newest first) and one of them question by
    question: ``attempt_id``, else the counted one, else the newest. Raises Conflict before the
    review opens; NotFound for a paper that is not the user's submitted paper of this contest.
    The caller has checked that the user sees the contest. Three queries whatever the paper size."""
    if not review_open(contest, at):
        raise Conflict(_("竞赛结束后才能查看答案与解析。"), code="review_not_open")
    counted_id = (
        ContestEntry.objects.filter(contest=contest, user_id=user.pk)
        .values_list("counted_attempt_id", flat=True)
        .first()
    )
    rows = list(
        Attempt.objects.filter(contest=contest, user_id=user.pk, state=Attempt.State.SUBMITTED)
        .order_by("-id")
        .values_list("id", "submitted_at", "score", "correct", "question_ids", "answers")[:PAPERS_SHOWN]
    )
    papers = [
        PaperSummary(pk, submitted, score, correct, len(qids or []), pk == counted_id)
        for pk, submitted, score, correct, qids, _answers in rows
    ]
    if attempt_id is not None:
        chosen = next((r for r in rows if r[0] == attempt_id), None)
        if chosen is None:
            raise NotFound()
    else:
        chosen = next((r for r in rows if r[0] == counted_id), rows[0] if rows else None)
    if chosen is None:
        return Review(papers, None, [])
    qids: list[int] = list(chosen[4] or [])
    answers: dict[str, Any] = dict(chosen[5] or {})
    questions = Question.objects.in_bulk(qids)
    kinds = dict(Question.Kind.choices)
    items: list[ReviewItem] = []
    for number, qid in enumerate(qids, start=1):
        q = questions.get(qid)
        if q is None:  # a question removed from the bank since: nothing to show
            continue
        given = normalise_answer(q.kind, answers.get(str(qid), ""))
        options = [
            Option(letter, str(text), letter in given, letter in q.answer)
            for letter, text in zip(LETTERS, q.options or [], strict=False)
        ]
        items.append(
            ReviewItem(
                number=number,
                kind=q.kind,
                kind_label=str(kinds.get(q.kind, q.kind)),
                stem=q.stem,
                options=options,
                given=given,
                answer=q.answer,
                correct=bool(given) and given == q.answer,
                explanation=q.explanation,
            )
        )
    paper = next(p for p in papers if p.id == chosen[0])
    return Review(papers, paper, items)
