"""Papers and grading for knowledge contests (no writes).

* :func:`contest_pool` — a contest and its question bank, loaded once per process and kept for
  ``CONTESTS_POOL_SECONDS`` (default 60): a start or a submit needs no question query at all. The
  bank of a published contest is frozen (services refuse edits), so the cache cannot go stale in a
  way that matters; :func:`pool_forget` drops it when staff change a contest.
* :func:`draw_paper` — N question ids drawn by category weights and shuffled, a pure function of
  the pool and the seed (``random.Random(seed)``): the stored seed reproduces the stored paper.
* :func:`grade` — correct answers and score of a submission.
"""

from __future__ import annotations

import json
import random
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from ..models import Contest, Question

LETTERS = "ABCDEFGH"


@dataclass(frozen=True)
class PublicQuestion:
    id: int
    kind: str
    stem: str
    options: tuple[str, ...]
    category: str


@dataclass
class Pool:
    contest: Contest
    by_category: dict[str, list[int]] = field(default_factory=dict)
    questions: dict[int, PublicQuestion] = field(default_factory=dict)
    answers: dict[int, str] = field(default_factory=dict)
    explanations: dict[int, str] = field(default_factory=dict)
    # Each question as the JSON the paper is served with (id, kind, stem, options — never the
    # answer): a start joins ten of these instead of serializing the questions again.
    public_json: dict[int, str] = field(default_factory=dict)
    loaded: float = 0.0


_pools: dict[int, Pool] = {}
_lock = threading.Lock()


def _pool_seconds() -> float:
    return float(getattr(settings, "CONTESTS_POOL_SECONDS", 60))


def pool_forget(contest_id: int | None = None) -> None:
    with _lock:
        if contest_id is None:
            _pools.clear()
        else:
            _pools.pop(contest_id, None)


def load_pool(contest: Contest) -> Pool:
    pool = Pool(contest=contest, loaded=time.monotonic())
    rows = Question.objects.filter(bank_id=contest.bank_id).order_by("id")
    for q in rows.values_list("id", "kind", "stem", "options", "answer", "category", "explanation"):
        qid, kind, stem, options, answer, category, explanation = q
        pool.by_category.setdefault(category, []).append(qid)
        pool.questions[qid] = PublicQuestion(qid, kind, stem, tuple(options), category)
        pool.public_json[qid] = json.dumps(
            {"id": qid, "kind": kind, "stem": stem, "options": list(options)},
            ensure_ascii=False,
            separators=(",", ":"),
        )
        pool.answers[qid] = answer
        pool.explanations[qid] = explanation
    return pool


def contest_pool(contest_id: int) -> Pool | None:
    """The cached pool of a contest, or None when the contest does not exist."""
    with _lock:
        pool = _pools.get(contest_id)
    if pool is not None and time.monotonic() - pool.loaded < _pool_seconds():
        return pool
    contest = Contest.objects.select_related("organiser").filter(pk=contest_id).first()
    if contest is None:
        return None
    pool = load_pool(contest)
    with _lock:
        _pools[contest_id] = pool
    return pool


def allocate(weights: dict[str, float], available: dict[str, int], n: int) -> dict[str, int]:
    """How many questions per category: proportional to the weights by the largest remainder,
    capped by what each category holds; what a category cannot supply goes to the others."""
    cats = [c for c in sorted(weights) if weights[c] > 0 and available.get(c, 0) > 0]
    if not cats:
        return {}
    total_w = sum(weights[c] for c in cats)
    exact = {c: n * weights[c] / total_w for c in cats}
    out = {c: min(int(exact[c]), available[c]) for c in cats}
    left = n - sum(out.values())
    # largest remainder first, then the category name (deterministic)
    order = sorted(cats, key=lambda c: (-(exact[c] - int(exact[c])), c))
    while left > 0:
        progressed = False
        for c in order:
            if left and out[c] < available[c]:
                out[c] += 1
                left -= 1
                progressed = True
        if not progressed:
            break
    return out


def draw_paper(pool: Pool, seed: int) -> list[int]:
    contest = pool.contest
    n = min(contest.question_count, len(pool.questions))
    weights = {str(k): float(v) for k, v in (contest.category_weights or {}).items()}
    if not weights:
        # with no weights every question is equally likely: weight categories by their size
        weights = {c: float(len(ids)) for c, ids in pool.by_category.items()}
    available = {c: len(ids) for c, ids in pool.by_category.items()}
    counts = allocate(weights, available, n)
    rng = random.Random(seed)  # noqa: S311 - a reproducible shuffle, not a secret
    paper: list[int] = []
    for category in sorted(counts):
        paper.extend(rng.sample(pool.by_category[category], counts[category]))
    rng.shuffle(paper)
    return paper


def normalise_answer(kind: str, value: Any) -> str:
    """A submitted answer as sorted distinct letters ("" when blank or malformed)."""
    text = "".join(str(v) for v in value) if isinstance(value, list | tuple) else str(value or "")
    letters = sorted({ch for ch in text.upper() if ch in LETTERS})
    if kind != Question.Kind.MULTIPLE and len(letters) > 1:
        return ""
    return "".join(letters)


def grade(pool: Pool, question_ids: list[int], answers: dict[str, Any]) -> tuple[int, int, dict[str, str]]:
    """(correct, score, cleaned answers). Only the paper's questions count; a multiple-choice
    question scores only when exactly right."""
    cleaned: dict[str, str] = {}
    correct = 0
    for qid in question_ids:
        q = pool.questions.get(qid)
        if q is None:
            continue
        given = normalise_answer(q.kind, answers.get(str(qid), answers.get(qid, "")))  # type: ignore[call-overload]
        cleaned[str(qid)] = given
        if given and given == pool.answers.get(qid):
            correct += 1
    return correct, correct * pool.contest.points_per_question, cleaned
