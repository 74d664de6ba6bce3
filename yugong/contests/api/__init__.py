"""Contests API, mounted at /api/v1/contests/ (no ``from __future__ import annotations``: Ninja
reads the annotations at import).

Workers: contests open to me, the warning-education confirmation, start an attempt (the paper
comes back without answers; 202 "排队中" with ``Retry-After`` when the admission queue is full),
submit (idempotent: the same submission twice is scored once and answers the stored result), the
leaderboard (top N and my rank), my results. Staff (scoped to their subtree): contests, union
boards by participation rate, skills competitions — registration, marking, problems, results.

Layout: ``router.py`` (the one router), ``schemas.py``, ``quiz.py`` (knowledge contests), ``skills.py``
(skills competitions). The operations register on the router when their module is imported here,
quiz first (the order of the routes).
"""

from . import quiz, skills
from .router import router
from .schemas import (
    AnswersIn,
    AttemptOut,
    BankOut,
    BoardRowOut,
    CompetitionOut,
    ContestDetailOut,
    ContestIn,
    ContestOut,
    EntryIn,
    EntryOut,
    LeaderboardOut,
    MarkIn,
    MarkOut,
    MyEntryOut,
    MyStatusOut,
    ProblemOut,
    QuestionOut,
    QueuedOut,
    ResultOut,
    ResultRowOut,
    UnionRowOut,
)

__all__ = [
    "AnswersIn",
    "AttemptOut",
    "BankOut",
    "BoardRowOut",
    "CompetitionOut",
    "ContestDetailOut",
    "ContestIn",
    "ContestOut",
    "EntryIn",
    "EntryOut",
    "LeaderboardOut",
    "MarkIn",
    "MarkOut",
    "MyEntryOut",
    "MyStatusOut",
    "ProblemOut",
    "QuestionOut",
    "QueuedOut",
    "ResultOut",
    "ResultRowOut",
    "UnionRowOut",
    "quiz",
    "router",
    "skills",
]
