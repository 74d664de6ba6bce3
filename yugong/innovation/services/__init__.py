"""Innovation services: one write path per state change (see the modules)."""

from .challenges import (
    challenge_close,
    challenge_complete,
    challenge_post,
    milestone_add,
    milestone_done,
    team_join,
    team_select,
    team_signup,
)
from .proposals import (
    proposal_accept,
    proposal_adopt,
    proposal_reject,
    proposal_reward,
    proposal_submit,
    reward_open,
    reward_state,
)
from .studios import (
    may_decide_rating,
    rating_apply,
    rating_decide,
    rating_reviewer,
    studio_member_add,
    studio_member_remove,
    studio_register,
    studio_result_record,
)

__all__ = [
    "challenge_close",
    "challenge_complete",
    "challenge_post",
    "may_decide_rating",
    "milestone_add",
    "milestone_done",
    "proposal_accept",
    "proposal_adopt",
    "proposal_reject",
    "proposal_reward",
    "proposal_submit",
    "reward_open",
    "reward_state",
    "rating_apply",
    "rating_decide",
    "rating_reviewer",
    "studio_member_add",
    "studio_member_remove",
    "studio_register",
    "studio_result_record",
    "team_join",
    "team_select",
    "team_signup",
]
