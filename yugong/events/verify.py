"""Re-compute a drawn activity's lottery from its published list and a seed (the command and the
public page share this)."""

from __future__ import annotations

from dataclasses import dataclass

from . import lottery
from .models import Activity, SignUp
from .services import pool_places, published_list


@dataclass(frozen=True)
class Verification:
    commitment_ok: bool
    recomputed: list[int]  # winning sign-up numbers, sorted
    recorded: list[int]  # the numbers recorded as winners at the draw, sorted

    @property
    def ok(self) -> bool:
        return self.commitment_ok and self.recomputed == self.recorded


def verify(activity: Activity, seed: str) -> Verification:
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
    return Verification(
        commitment_ok=bool(activity.seed_hash) and lottery.commitment(seed) == activity.seed_hash,
        recomputed=list(lottery.flat_winners(result)),
        recorded=recorded,
    )
