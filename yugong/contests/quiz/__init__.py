"""Knowledge contests (安康杯 and the like), the engine: ``paper.py`` (the per-process question
pool, drawing a paper, grading), ``attempts.py`` (start and submit, the hot path in plain SQL),
``admission.py`` (the waiting room for a synchronized start), ``leaderboard.py`` (individual
ranks on Redis or the database, union boards), ``imports.py`` (question banks from .xlsx).

The writes that staff make (create, publish, close a contest) are in ``contests.services``, which
also re-exports the attempt write path."""

from .paper import (
    Pool,
    PublicQuestion,
    allocate,
    contest_pool,
    draw_paper,
    grade,
    load_pool,
    normalise_answer,
    pool_forget,
)

__all__ = [
    "Pool",
    "PublicQuestion",
    "allocate",
    "contest_pool",
    "draw_paper",
    "grade",
    "load_pool",
    "normalise_answer",
    "pool_forget",
]
