"""Skills competitions: set-up, registration, WorldSkills-style marking, results, objections.

Marking rules (pure functions at the top, pinned by tests):

* measurement aspects: one objective mark in 0..max (several judges → their mean);
* judgement aspects: three judges each score 0, 1, 2 or 3; the aspect's mark is
  ``mean ÷ 3 × max``; when the highest and lowest score differ by more than one point the marks
  are flagged and must be re-marked or accepted by the chief expert (:class:`MarkResolution`)
  before results can be computed;
* an item's score is its marks ÷ its maximum × 100; the stage score is the weighted mean of the
  item scores (weights in %, normalised); ``written`` and ``practical`` are the two parts of it;
* ranking, separately for individuals and teams: total desc, then the practical part desc, then
  the written part desc; still equal → the same rank (1, 1, 3);
* advancement to the next stage: rank ≤ ``advance_top_n`` (ties at the cut all advance) and score
  ≥ ``advance_threshold``, whichever are set.

Layout: ``scoring.py`` (the pure rules), ``setup.py``, ``entries.py`` (registration, judges, marks),
``results.py`` (problems, computing, objections, publishing).
"""

from .entries import (
    conflicted,
    entry_register,
    judge_assign,
    judge_for,
    mark_record,
)
from .results import (
    Problem,
    mark_resolve,
    objection_decide,
    objection_file,
    results_publish,
    stage_compute,
    stage_entries,
    stage_problems,
)
from .scoring import (
    JUDGEMENT_JUDGES,
    Q3,
    Scored,
    advances,
    aspect_mark,
    judgement_flagged,
    rank,
    stage_totals,
)
from .setup import (
    aspect_add,
    competition_create,
    competition_set_status,
    item_add,
    stage_create,
    subitem_add,
)

__all__ = [
    "JUDGEMENT_JUDGES",
    "Problem",
    "Q3",
    "Scored",
    "stage_entries",
    "advances",
    "aspect_add",
    "aspect_mark",
    "competition_create",
    "competition_set_status",
    "conflicted",
    "entry_register",
    "item_add",
    "judge_assign",
    "judge_for",
    "judgement_flagged",
    "mark_record",
    "mark_resolve",
    "objection_decide",
    "objection_file",
    "rank",
    "results_publish",
    "stage_compute",
    "stage_create",
    "stage_problems",
    "stage_totals",
    "subitem_add",
]
