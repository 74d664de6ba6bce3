"""Re-compute a drawn activity's lottery from its published list and a seed (the command and the
public page share this): the same check ``lottery.py`` runs on the downloaded record."""

from __future__ import annotations

from . import lottery, selectors
from .models import Activity


def verify(activity: Activity, seed: str) -> lottery.Check:
    record = selectors.record_head(activity) | {
        "seed": seed,
        "entries": [(n, q or 0, w, won) for n, q, w, won in selectors.draw_list(activity)],
    }
    return lottery.check_published(record)
