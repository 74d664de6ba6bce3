"""Re-compute a drawn activity's lottery from its published list and a seed (the command and the
public page share this)."""

from __future__ import annotations

from . import lottery
from .models import Activity, SignUp
from .services import pool_places, published_list


def verify(activity: Activity, seed: str) -> lottery.Check:
    numbers, pools, wins = published_list(activity)
    result = lottery.rank(
        seed=seed,
        activity_id=activity.pk,
        numbers=numbers,
        pools=pools,
        prior_wins=wins,
        places=pool_places(activity),
        penalty_pct=activity.repeat_penalty_pct,
    )
    recorded = list(
        SignUp.objects.filter(activity=activity, won_at_draw=True).order_by("id").values_list("id", flat=True)
    )
    return lottery.Check(
        commitment_ok=bool(activity.seed_hash) and lottery.commitment(seed) == activity.seed_hash,
        recomputed=list(lottery.flat_winners(result)),
        recorded=recorded,
    )
