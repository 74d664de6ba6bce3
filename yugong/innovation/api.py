"""Innovation API, mounted at /api/v1/innovation/ (no ``from __future__ import annotations``: Ninja
reads the annotations at import). Worker and staff operations call the same services as the
pages."""

from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema

from yugong.accounts.models import request_user
from yugong.core.errors import PermissionDenied
from yugong.core.schemas import ERROR_RESPONSES
from yugong.orgs.decorators import is_console_user

from . import selectors, services
from .models import Challenge, Proposal, Studio, StudioRating, Team

router = Router(tags=["innovation"])


class InnovationProposalIn(Schema):
    category: str = Field(..., max_length=12)
    title: str = Field(..., max_length=120)
    problem: str = Field(..., max_length=2000)
    solution: str = Field(..., max_length=3000)
    expected_benefit: str = Field("", max_length=500)


class InnovationProposalOut(Schema):
    id: int
    union_id: int
    category: str
    title: str
    status: str
    grade: str
    benefit_fen: int
    reward_fen: int


class InnovationDecideIn(Schema):
    action: Literal["accept", "reject", "adopt", "reward"]
    note: str = Field("", max_length=500)
    grade: str = Field("", max_length=8)
    benefit_fen: int = Field(0, ge=0, le=10_000_000_000)
    reward_fen: int = Field(0, ge=0, le=100_000_000)
    # The reward's budget line (a line of the proposal's union's approved budget; 0: none chosen).
    budget_line: int = Field(0, ge=0)


class InnovationChallengeOut(Schema):
    id: int
    union_id: int
    poster: str
    title: str
    status: str
    reward_fen: int
    signup_deadline: Any
    due_on: Any
    teams: int = 0


class InnovationTeamIn(Schema):
    name: str = Field(..., max_length=60)
    plan: str = Field(..., max_length=3000)


class InnovationTeamOut(Schema):
    id: int
    challenge_id: int
    name: str
    status: str


class InnovationStudioOut(Schema):
    id: int
    union_id: int
    name: str
    kind: str
    lead_name: str
    lead_title: str
    level: str
    status: str


class InnovationRatingDecideIn(Schema):
    approve: bool
    note: str = Field("", max_length=500)


class InnovationRatingOut(Schema):
    id: int
    studio_id: int
    level: str
    year: int
    reviewer_id: int
    status: str


class InnovationMineOut(Schema):
    studios: list[InnovationStudioOut]
    teams: list[InnovationTeamOut]
    proposals: list[InnovationProposalOut]


def _console(request: HttpRequest) -> Any:
    user = request_user(request)
    if not is_console_user(user):
        raise PermissionDenied()
    return user


def _proposal(p: Proposal) -> dict[str, Any]:
    return {
        "id": p.pk,
        "union_id": p.union_id,
        "category": p.category,
        "title": p.title,
        "status": p.status,
        "grade": p.grade,
        "benefit_fen": p.benefit_fen,
        "reward_fen": p.reward_fen,
    }


def _challenge(c: Challenge) -> dict[str, Any]:
    return {
        "id": c.pk,
        "union_id": c.union_id,
        "poster": c.poster,
        "title": c.title,
        "status": c.status,
        "reward_fen": c.reward_fen,
        "signup_deadline": c.signup_deadline,
        "due_on": c.due_on,
        "teams": getattr(c, "n_teams", 0),
    }


def _team(t: Team) -> dict[str, Any]:
    return {"id": t.pk, "challenge_id": t.challenge_id, "name": t.name, "status": t.status}


def _studio(s: Studio) -> dict[str, Any]:
    return {
        "id": s.pk,
        "union_id": s.union_id,
        "name": s.name,
        "kind": s.kind,
        "lead_name": s.lead_name,
        "lead_title": s.lead_title,
        "level": s.level,
        "status": s.status,
    }


def _rating(r: StudioRating) -> dict[str, Any]:
    return {
        "id": r.pk,
        "studio_id": r.studio_id,
        "level": r.level,
        "year": r.year,
        "reviewer_id": r.reviewer_id,
        "status": r.status,
    }


# --- worker ----------------------------------------------------------------------------------------


@router.get("/mine", response={200: InnovationMineOut, **ERROR_RESPONSES}, summary="我参与的创新")
def innovation_mine(request: HttpRequest) -> Any:
    mine = selectors.my_innovation(selectors.person_of(request_user(request)))
    return {
        "studios": [_studio(m.studio) for m in mine["studios"]],
        "teams": [_team(m.team) for m in mine["teams"]],
        "proposals": [_proposal(p) for p in mine["proposals"]],
    }


@router.post("/proposals", response={200: InnovationProposalOut, **ERROR_RESPONSES}, summary="提交五小项目")
def innovation_propose(request: HttpRequest, payload: InnovationProposalIn) -> Any:
    return _proposal(services.proposal_submit(actor=request_user(request), **payload.dict()))


@router.get(
    "/challenges", response={200: list[InnovationChallengeOut], **ERROR_RESPONSES}, summary="揭榜挂帅榜单"
)
def innovation_challenges(request: HttpRequest) -> Any:
    if not getattr(request_user(request), "pk", None):
        raise PermissionDenied()
    return [_challenge(c) for c in selectors.open_challenges()]


@router.post(
    "/challenges/{challenge_id}/teams",
    response={200: InnovationTeamOut, **ERROR_RESPONSES},
    summary="组队揭榜",
)
def innovation_team_signup(request: HttpRequest, challenge_id: int, payload: InnovationTeamIn) -> Any:
    c = selectors.public_challenge(challenge_id)
    return _team(services.team_signup(actor=request_user(request), challenge=c, **payload.dict()))


@router.post(
    "/teams/{team_id}/join", response={200: InnovationTeamOut, **ERROR_RESPONSES}, summary="加入揭榜团队"
)
def innovation_team_join(request: HttpRequest, team_id: int) -> Any:
    member = services.team_join(actor=request_user(request), team=team_id)
    return _team(member.team)


# --- staff -----------------------------------------------------------------------------------------


@router.get(
    "/proposals/queue",
    response={200: list[InnovationProposalOut], **ERROR_RESPONSES},
    summary="待评审五小项目",
)
def innovation_proposal_queue(request: HttpRequest) -> Any:
    return [_proposal(p) for p in selectors.proposal_queue(_console(request))[:100]]


@router.post(
    "/proposals/{proposal_id}/decide",
    response={200: InnovationProposalOut, **ERROR_RESPONSES},
    summary="受理、采纳、不采纳或奖励五小项目",
)
def innovation_proposal_decide(request: HttpRequest, proposal_id: int, payload: InnovationDecideIn) -> Any:
    user = _console(request)
    p = selectors.staff_proposal(user, proposal_id)
    if payload.action == "accept":
        p = services.proposal_accept(actor=user, proposal=p)
    elif payload.action == "reject":
        p = services.proposal_reject(actor=user, proposal=p, note=payload.note)
    elif payload.action == "adopt":
        p = services.proposal_adopt(
            actor=user, proposal=p, grade=payload.grade, benefit_fen=payload.benefit_fen, note=payload.note
        )
    else:
        p = services.proposal_reward(
            actor=user, proposal=p, reward_fen=payload.reward_fen, line_id=payload.budget_line or None
        )
    return _proposal(p)


@router.get("/studios", response={200: list[InnovationStudioOut], **ERROR_RESPONSES}, summary="创新工作室")
def innovation_studios(request: HttpRequest) -> Any:
    return [_studio(s) for s in selectors.staff_studios(_console(request))[:200]]


@router.get(
    "/ratings/queue", response={200: list[InnovationRatingOut], **ERROR_RESPONSES}, summary="待审核工作室评定"
)
def innovation_rating_queue(request: HttpRequest) -> Any:
    return [_rating(r) for r in selectors.rating_queue(_console(request))[:100]]


@router.post(
    "/ratings/{rating_id}/decide",
    response={200: InnovationRatingOut, **ERROR_RESPONSES},
    summary="审核工作室评定",
)
def innovation_rating_decide(request: HttpRequest, rating_id: int, payload: InnovationRatingDecideIn) -> Any:
    user = _console(request)
    r = selectors.staff_rating(user, rating_id)
    return _rating(services.rating_decide(actor=user, rating=r, approve=payload.approve, note=payload.note))


@router.get(
    "/challenges/managed",
    response={200: list[InnovationChallengeOut], **ERROR_RESPONSES},
    summary="本单位发布的榜单",
)
def innovation_managed_challenges(request: HttpRequest) -> Any:
    return [_challenge(c) for c in selectors.staff_challenges(_console(request))[:100]]
