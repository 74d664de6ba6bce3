"""Innovation services: studios (register, members, results, ratings by level), 五小 proposals
(submit, accept, adopt, reward, reject), 揭榜挂帅 (post, teams, selection, milestones, award), the
credit events and the facts."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils.timezone import now

from yugong.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from yugong.core.models import AuditEvent, DailyFact, DomainEvent
from yugong.innovation import services
from yugong.innovation.models import Challenge, Proposal, Studio, StudioRating, Team
from yugong.learning.models import CreditEntry

from .conftest import Tree, make_challenge, make_studio

pytestmark = pytest.mark.django_db


def fact(metric: str, union: Any, dim: str = "") -> int:
    row = DailyFact.objects.filter(metric=metric, union_id=union.pk, dim=dim).first()
    return row.value if row else 0


# --- studios ---------------------------------------------------------------------------------------


def test_a_union_registers_a_studio_with_its_lead(tree: Tree) -> None:
    s = make_studio(tree)
    assert (s.lead, s.lead_name, s.level) == (tree.lead, "刘劳模", "")
    assert s.members.get().role == "lead"
    assert fact("innovation_studios", tree.store, "model_worker") == 1
    with pytest.raises(ValidationFailed) as exc:
        services.studio_register(
            actor=tree.store_staff,
            union=tree.store,
            name=" ",
            kind="nope",
            lead_id_number=tree.outsider.id_number,
            lead_title="",
            field="",
        )
    assert {"name", "kind", "lead_id_number", "lead_title", "field"} <= set(exc.value.fields)
    with pytest.raises(NotFound):  # another district's union
        services.studio_register(
            actor=tree.jb_staff,
            union=tree.store,
            name="x",
            kind="worker",
            lead_id_number=tree.lead.id_number,
            lead_title="劳模",
            field="x",
        )
    with pytest.raises(ValidationFailed) as exc:
        make_studio(tree)
    assert "name" in exc.value.fields


def test_members_and_results_credit_each_contributor(
    tree: Tree, django_capture_on_commit_callbacks: Any
) -> None:
    s = make_studio(tree)
    services.studio_member_add(actor=tree.store_staff, studio=s, id_number=tree.person.id_number)
    with pytest.raises(ValidationFailed):  # twice
        services.studio_member_add(actor=tree.store_staff, studio=s, id_number=tree.person.id_number)
    with pytest.raises(ValidationFailed):  # not a member of the studio's union
        services.studio_member_add(actor=tree.store_staff, studio=s, id_number=tree.outsider.id_number)
    with pytest.raises(ValidationFailed) as exc:  # contributors must be members of the studio
        services.studio_result_record(
            actor=tree.store_staff,
            studio=s,
            title="货架防倾倒装置",
            kind="patent",
            description="一种货架防倾倒装置。",
            achieved_on=now().date(),
            benefit_fen=0,
            contributor_ids=[tree.outsider.pk],
        )
    assert "contributors" in exc.value.fields
    with django_capture_on_commit_callbacks(execute=True):
        result = services.studio_result_record(
            actor=tree.store_staff,
            studio=s,
            title="货架防倾倒装置",
            kind="patent",
            description="一种货架防倾倒装置。",
            achieved_on=now().date(),
            benefit_fen=1_200_000,
            contributor_ids=[tree.lead.pk, tree.person.pk],
        )
    assert set(result.contributors.all()) == {tree.lead, tree.person}
    credited = CreditEntry.objects.filter(source="innovation", evidence__ref=f"studio_result:{result.pk}")
    assert {e.account.person_id for e in credited} == {tree.lead.pk, tree.person.pk}
    lead_member = s.members.get(role="lead")
    with pytest.raises(Conflict):
        services.studio_member_remove(actor=tree.store_staff, studio=s, member_id=lead_member.pk)
    other = s.members.get(person=tree.person)
    services.studio_member_remove(actor=tree.store_staff, studio=s, member_id=other.pk)
    assert s.members.count() == 1


def test_ratings_are_decided_by_the_union_at_that_level(tree: Tree) -> None:
    s = make_studio(tree)
    assert services.rating_reviewer(s, "district") == tree.yuzhong
    assert services.rating_reviewer(s, "city") == tree.city == services.rating_reviewer(s, "national")
    r = services.rating_apply(
        actor=tree.store_staff, studio=s, level="district", year=2026, statement="成果显著"
    )
    assert r.reviewer == tree.yuzhong
    with pytest.raises(Conflict):  # one application at a time
        services.rating_apply(actor=tree.store_staff, studio=s, level="city", year=2026, statement="再申报")
    assert not services.may_decide_rating(tree.store_staff, r)
    with pytest.raises(PermissionDenied):  # the studio's own union does not rate itself
        services.rating_decide(actor=tree.store_staff, rating=r, approve=True)
    with pytest.raises(NotFound):  # another district
        services.rating_decide(actor=tree.jb_staff, rating=r, approve=True)
    with pytest.raises(ValidationFailed):  # a rejection needs a reason
        services.rating_decide(actor=tree.yz_staff, rating=r, approve=False)
    services.rating_decide(actor=tree.yz_staff, rating=r, approve=True, note="同意")
    s.refresh_from_db()
    assert s.level == "district" and fact("innovation_studio_ratings", tree.store, "district") == 1
    with pytest.raises(ValidationFailed):  # same level again
        services.rating_apply(actor=tree.store_staff, studio=s, level="district", year=2027, statement="x")
    city = services.rating_apply(actor=tree.store_staff, studio=s, level="city", year=2026, statement="市级")
    assert city.reviewer == tree.city
    with pytest.raises(PermissionDenied):  # the district does not rate at city level
        services.rating_decide(actor=tree.yz_staff, rating=city, approve=True)
    services.rating_decide(actor=tree.city_staff, rating=city, approve=False, note="材料不足")
    s.refresh_from_db()
    assert s.level == "district" and StudioRating.objects.get(pk=city.pk).status == "rejected"
    assert AuditEvent.objects.filter(action="innovation.rating_reject").exists()


# --- 五小 ------------------------------------------------------------------------------------------


def propose(tree: Tree, **kw: Any) -> Proposal:
    actor = kw.pop("actor", tree.worker)
    fields = {
        "category": "innovation",
        "title": "收银台扫码枪支架改进",
        "problem": "扫码枪易掉落损坏。",
        "solution": "加装磁吸支架。",
        "expected_benefit": "每年减少损坏20把",
    }
    fields.update(kw)
    return services.proposal_submit(actor=actor, **fields)


def test_a_worker_submits_and_the_union_adopts_and_rewards(
    tree: Tree, django_capture_on_commit_callbacks: Any
) -> None:
    p = propose(tree)
    assert (p.union, p.person, p.status) == (tree.store, tree.person, "submitted")
    assert fact("innovation_proposals", tree.store, "innovation") == 1
    with pytest.raises(Conflict):  # adopt only after acceptance
        services.proposal_adopt(actor=tree.store_staff, proposal=p, grade="first", benefit_fen=0)
    with pytest.raises(NotFound):
        services.proposal_accept(actor=tree.jb_staff, proposal=p)
    services.proposal_accept(actor=tree.store_staff, proposal=p)
    with pytest.raises(ValidationFailed) as exc:
        services.proposal_adopt(actor=tree.store_staff, proposal=p, grade="gold", benefit_fen=-1)
    assert {"grade", "benefit_fen"} <= set(exc.value.fields)
    with django_capture_on_commit_callbacks(execute=True):
        services.proposal_adopt(
            actor=tree.yz_staff, proposal=p, grade="second", benefit_fen=360_000, note="推广"
        )
    p.refresh_from_db()
    assert (p.status, p.grade, p.benefit_fen) == ("adopted", "second", 360_000)
    assert fact("innovation_proposals_adopted", tree.store, "innovation") == 1
    entry = CreditEntry.objects.get(source="innovation", account__person=tree.person)
    assert entry.evidence["ref"] == f"proposal:{p.pk}"
    from .test_reward import budget_line

    line, _chair, _finance = budget_line(tree.store, tree.store_staff)
    with pytest.raises(ValidationFailed):
        services.proposal_reward(actor=tree.store_staff, proposal=p, reward_fen=0, line_id=line.pk)
    services.proposal_reward(actor=tree.store_staff, proposal=p, reward_fen=50_000, line_id=line.pk)
    p.refresh_from_db()
    assert (p.status, p.reward_fen) == ("rewarded", 50_000)
    assert fact("innovation_proposal_rewards", tree.store) == 50_000
    with pytest.raises(Conflict):
        services.proposal_reward(actor=tree.store_staff, proposal=p, reward_fen=50_000, line_id=line.pk)


def test_proposal_refusals(tree: Tree) -> None:
    with pytest.raises(ValidationFailed) as exc:
        propose(tree, category="big", title="", problem="", solution="")
    assert {"category", "title", "problem", "solution"} <= set(exc.value.fields)
    with pytest.raises(PermissionDenied):  # staff without a membership
        propose(tree, actor=tree.store_staff)
    p = propose(tree)
    with pytest.raises(ValidationFailed):  # a rejection needs a reason
        services.proposal_reject(actor=tree.store_staff, proposal=p, note="")
    services.proposal_reject(actor=tree.store_staff, proposal=p, note="已有同类改进")
    p.refresh_from_db()
    assert p.status == "rejected" and p.review_note == "已有同类改进"
    assert not DomainEvent.objects.filter(kind="innovation.proposal_adopted").exists()


# --- 揭榜挂帅 ---------------------------------------------------------------------------------------


def test_a_challenge_from_post_to_award(tree: Tree, django_capture_on_commit_callbacks: Any) -> None:
    c = make_challenge(tree)
    assert fact("innovation_challenges", tree.yuzhong) == 1
    team = services.team_signup(actor=tree.worker, challenge=c, name="冷链攻关组", plan="相变蓄冷箱")
    with pytest.raises(Conflict):  # one team per person per challenge
        services.team_signup(actor=tree.worker, challenge=c, name="第二组", plan="x")
    services.team_join(actor=tree.mate, team=team)
    rival = services.team_signup(actor=tree.outsider_user, challenge=c, name="江北队", plan="半导体制冷")
    with pytest.raises(Conflict):
        services.team_join(actor=tree.mate, team=rival)
    with pytest.raises(NotFound):  # the challenge is the district's
        services.team_select(actor=tree.jb_staff, challenge=c, team_id=team.pk)
    services.team_select(actor=tree.yz_staff, challenge=c, team_id=team.pk)
    c.refresh_from_db()
    rival.refresh_from_db()
    assert c.status == "underway" and rival.status == "not_selected"
    with pytest.raises(Conflict):  # sign-up is over
        services.team_join(actor=tree.outsider_user, team=team)
    with pytest.raises(ValidationFailed):  # beyond the due date
        services.milestone_add(
            actor=tree.yz_staff, challenge=c, title="中期", due_on=c.due_on + dt.timedelta(days=1)
        )
    m = services.milestone_add(actor=tree.yz_staff, challenge=c, title="样机", due_on=c.due_on)
    with pytest.raises(ValidationFailed) as exc:  # an open milestone
        services.challenge_complete(actor=tree.yz_staff, challenge=c, result="完成", award_fen=1)
    assert "result" in exc.value.fields
    services.milestone_done(actor=tree.yz_staff, challenge=c, milestone_id=m.pk, note="样机通过测试")
    with pytest.raises(ValidationFailed):  # more than the reward
        services.challenge_complete(
            actor=tree.yz_staff, challenge=c, result="完成", award_fen=c.reward_fen + 1
        )
    with django_capture_on_commit_callbacks(execute=True):
        services.challenge_complete(
            actor=tree.yz_staff, challenge=c, result="温差控制在±1℃", award_fen=c.reward_fen
        )
    c.refresh_from_db()
    assert c.status == "completed" and c.award_fen == 5_000_000
    credited = CreditEntry.objects.filter(source="innovation", evidence__ref=f"challenge:{c.pk}")
    assert {e.account.person_id for e in credited} == {tree.person.pk, tree.mate_person.pk}
    assert fact("innovation_challenges_completed", tree.yuzhong) == 1
    assert fact("innovation_challenge_awards", tree.yuzhong) == 5_000_000


def test_challenge_refusals_and_closing(tree: Tree) -> None:
    with pytest.raises(ValidationFailed) as exc:
        make_challenge(
            tree, title="", reward_fen=0, signup_deadline=now() - dt.timedelta(hours=1), max_team_size=0
        )
    assert {"title", "reward_fen", "signup_deadline", "max_team_size"} <= set(exc.value.fields)
    c = make_challenge(tree, max_team_size=2)
    team = services.team_signup(actor=tree.worker, challenge=c, name="一组", plan="方案")
    services.team_join(actor=tree.mate, team=team)
    with pytest.raises(Conflict):  # full
        services.team_join(actor=tree.outsider_user, team=team)
    with pytest.raises(PermissionDenied):  # no membership
        services.team_signup(actor=tree.store_staff, challenge=c, name="干部队", plan="x")
    services.challenge_close(actor=tree.yz_staff, challenge=c, note="需求变更")
    assert Challenge.objects.get(pk=c.pk).status == "closed"
    with pytest.raises(Conflict):
        services.team_select(actor=tree.yz_staff, challenge=c, team_id=team.pk)
    assert Team.objects.get(pk=team.pk).status == "signed_up"


def test_studio_closed_refuses_changes(tree: Tree) -> None:
    s = make_studio(tree)
    Studio.objects.filter(pk=s.pk).update(status=Studio.Status.CLOSED)
    with pytest.raises(Conflict):
        services.studio_member_add(actor=tree.store_staff, studio=s, id_number=tree.person.id_number)
