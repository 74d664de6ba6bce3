"""五小 rewards paid through union funds: the reward of an adopted proposal is a spending request on
a line of the proposal's union's approved budget (required, its own, open), approved by a leader
(not the one who asked) and paid out to the proposer by finance in a bank batch of kind 奖金, whose
result settles it; one open request per proposal (a refused one can be asked for again); the console page shows where it stands; and the
authorization matrix over the page and the grant."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.urls import reverse
from django.utils.timezone import now

from tests.helpers import UserFactory, grant
from yugong.core.errors import Conflict, PermissionDenied, ValidationFailed
from yugong.core.models import AuditEvent
from yugong.core.timeutil import local_today
from yugong.funds import ledger
from yugong.funds import services as funds
from yugong.funds.models import BudgetLine, Category, Commitment, PayoutLine
from yugong.innovation import services
from yugong.innovation.models import Proposal
from yugong.orgs.models import Union

from .conftest import Tree
from .test_services import fact, propose

pytestmark = pytest.mark.django_db


def budget_line(union: Union, preparer: Any, *, amount_fen: int = 10_000_000) -> tuple[BudgetLine, Any, Any]:
    """An open line of ``union``'s approved budget, its chair (approves) and its finance officer."""
    chair, finance = UserFactory(display_name="主席"), UserFactory(display_name="财务")
    grant(chair, union, "chair")
    grant(finance, union, "finance")
    budget = funds.budget_create(actor=preparer, union=union, year=local_today().year)
    line = funds.budget_line_add(
        actor=preparer, budget=budget, category=Category.OTHER, name="职工技术创新奖励", amount_fen=amount_fen
    )
    funds.budget_submit(actor=preparer, budget=budget)
    funds.budget_approve(actor=chair, budget=budget)
    line.refresh_from_db()
    return line, chair, finance


def adopted(tree: Tree, **kw: Any) -> Proposal:
    p = propose(tree, **kw)
    services.proposal_accept(actor=tree.store_staff, proposal=p)
    return services.proposal_adopt(actor=tree.store_staff, proposal=p, grade="second", benefit_fen=360_000)


def test_the_reward_is_requested_approved_and_paid_to_the_proposer_through_a_bank_batch(tree: Tree) -> None:
    p = adopted(tree)
    line, chair, finance = budget_line(tree.store, tree.store_staff)
    p = services.proposal_reward(actor=tree.store_staff, proposal=p, reward_fen=50_000, line_id=line.pk)
    c = Commitment.objects.get(pk=p.reward_commitment_id)
    assert (p.status, p.reward_fen, c.status, c.amount_fen, c.line_id) == (
        "rewarded",
        50_000,
        "pending",
        50_000,
        line.pk,
    )
    assert c.purpose == f"五小奖励:{p.title} 王师傅"  # funds keeps text in NFKC
    assert services.reward_state(c) == "待批准"
    with pytest.raises(PermissionDenied):  # who asked does not approve
        funds.commitment_approve_id(actor=tree.store_staff, commitment_id=c.pk)
    funds.commitment_approve_id(actor=chair, commitment_id=c.pk)
    assert services.reward_state(Commitment.objects.get(pk=c.pk)) == "待发放"
    batch = funds.batch_create(
        actor=finance, union=tree.store, kind="award", title="五小奖励", bank_format="csv_utf8"
    )
    row = funds.batch_line_add(
        actor=finance,
        batch=batch,
        payee_name=p.proposer_name,
        account_no="6222021234567801",
        amount_fen=p.reward_fen,
        commitment=c.pk,
    )
    funds.batch_export(actor=finance, batch=batch)
    result = f"客户流水号,处理结果,失败原因\n{row.number},成功,\n"
    funds.batch_results_import(actor=finance, batch=batch, data=io.BytesIO(result.encode("utf-8")))
    assert PayoutLine.objects.get(pk=row.pk).status == "paid"
    assert services.reward_state(Commitment.objects.get(pk=c.pk)) == "已发放"
    line.refresh_from_db()
    assert (line.spent_fen, line.reserved_fen) == (50_000, 0)
    assert ledger.trial_balance() == 0 and ledger.unbalanced_entries() == []
    audit = AuditEvent.objects.get(action="innovation.proposal_reward")
    assert audit.extra["commitment"] == c.pk and audit.extra["line"] == line.pk
    with pytest.raises(Conflict):  # rewarded once
        services.proposal_reward(actor=tree.store_staff, proposal=p, reward_fen=1, line_id=line.pk)


def test_missing_closed_or_another_unions_line_is_refused_on_the_field_before_anything_is_written(
    tree: Tree,
) -> None:
    p = adopted(tree)
    other, _chair, _finance = budget_line(tree.factory, tree.jb_staff)  # 长江机械厂's line
    above, _chair, _finance = budget_line(tree.yuzhong, tree.yz_staff)  # the district's, not the store's
    closed, _chair, _finance = budget_line(tree.store, tree.store_staff)
    BudgetLine.objects.filter(pk=closed.pk).update(open=False)
    for line_id, message in (
        (None, "经费支付必须选择本工会已批准的预算项目。"),
        (other.pk, "请选择本工会已批准的预算项目。"),
        (above.pk, "请选择本工会已批准的预算项目。"),
        (999_999, "请选择本工会已批准的预算项目。"),
        (closed.pk, "该预算项目尚未批准或已关闭，不能支付。"),
    ):
        with pytest.raises(ValidationFailed) as err:
            services.proposal_reward(actor=tree.store_staff, proposal=p, reward_fen=50_000, line_id=line_id)
        assert err.value.fields == {"budget_line": [message]}, line_id
    with pytest.raises(ValidationFailed) as err:
        services.proposal_reward(actor=tree.store_staff, proposal=p, reward_fen=0, line_id=None)
    assert set(err.value.fields) == {"reward_fen", "budget_line"}
    p.refresh_from_db()
    assert (p.status, p.reward_fen, p.reward_commitment_id) == ("adopted", 0, None)
    assert not Commitment.objects.exists()
    assert not AuditEvent.objects.filter(action="innovation.proposal_reward").exists()


def test_a_request_turned_down_in_funds_can_be_asked_for_again_once(tree: Tree, client: Any) -> None:
    p = adopted(tree)
    line, chair, _finance = budget_line(tree.store, tree.store_staff)
    p = services.proposal_reward(actor=tree.store_staff, proposal=p, reward_fen=50_000, line_id=line.pk)
    first = p.reward_commitment_id
    url = reverse("innovation:console_proposal", args=[p.pk])
    client.force_login(tree.store_staff)
    assert 'data-testid="reward-form"' not in client.get(url).content.decode()  # waiting: no second ask
    with pytest.raises(Conflict):
        services.proposal_reward(actor=tree.store_staff, proposal=p, reward_fen=30_000, line_id=line.pk)
    funds.commitment_reject(actor=chair, commitment=first, reason="金额超出奖励办法标准")
    body = client.get(url).content.decode()
    assert "已驳回" in body and 'data-testid="reward-form"' in body  # the way forward is offered
    action = reverse("innovation:console_proposal_action", args=[p.pk, "reward"])
    assert client.post(action, {"budget_line": line.pk, "reward_fen": "300"}).status_code == 302
    p.refresh_from_db()
    again = Commitment.objects.get(pk=p.reward_commitment_id)
    assert (p.status, p.reward_fen, again.amount_fen, again.status) == ("rewarded", 30_000, 30_000, "pending")
    assert Commitment.objects.get(pk=first).status == "rejected"  # the refusal stays in funds as it was
    assert "待批准" in client.get(url).content.decode()
    with pytest.raises(Conflict):  # the new request is open: no third
        services.proposal_reward(actor=tree.store_staff, proposal=p, reward_fen=10_000, line_id=line.pk)
    assert (
        fact("innovation_proposal_rewards", tree.store) == 30_000
    )  # the cockpit counts the reward asked for, not both
    funds.commitment_approve_id(actor=chair, commitment_id=again.pk)
    line.refresh_from_db()
    assert (line.reserved_fen, line.spent_fen) == (30_000, 0)


def test_the_console_page_offers_the_unions_lines_and_shows_the_payment(tree: Tree, client: Any) -> None:
    p = adopted(tree)
    line, chair, _finance = budget_line(tree.store, tree.store_staff)
    other, _c, _f = budget_line(tree.yuzhong, tree.yz_staff)
    url = reverse("innovation:console_proposal", args=[p.pk])
    client.force_login(tree.store_staff)
    body = client.get(url).content.decode()
    assert 'data-testid="reward-form"' in body and f'<option value="{line.pk}">' in body
    assert f'<option value="{other.pk}">' not in body  # the district's line cannot pay the store's reward
    action = reverse("innovation:console_proposal_action", args=[p.pk, "reward"])
    refused = client.post(action, {"budget_line": "", "reward_fen": "500"}, follow=True).content.decode()
    assert "经费支付必须选择本工会已批准的预算项目。" in refused and not Commitment.objects.exists()
    assert client.post(action, {"budget_line": line.pk, "reward_fen": "500"}).status_code == 302
    p.refresh_from_db()
    assert (p.status, p.reward_fen) == ("rewarded", 50_000)
    body = client.get(url).content.decode()
    assert "待批准" in body and "职工技术创新奖励" in body and 'data-testid="reward-form"' not in body
    funds.commitment_approve_id(actor=chair, commitment_id=p.reward_commitment_id)
    assert "待发放" in client.get(url).content.decode()
    client.force_login(tree.jb_staff)  # 江北's staff: another union's proposal
    assert client.get(url).status_code == 404
    assert client.post(action, {"budget_line": line.pk, "reward_fen": "1"}).status_code == 404
    client.force_login(tree.worker)
    assert client.get(url).status_code == 403
    assert client.post(action, {"budget_line": line.pk, "reward_fen": "1"}).status_code == 403


def test_the_api_grants_the_reward_with_its_line(tree: Tree, client: Any) -> None:
    p = adopted(tree)
    line, _chair, _finance = budget_line(tree.store, tree.store_staff)
    client.force_login(tree.store_staff)
    url = f"/api/v1/innovation/proposals/{p.pk}/decide"
    r = client.post(url, {"action": "reward", "reward_fen": 50_000}, content_type="application/json")
    assert r.status_code == 422 and "budget_line" in r.json()["fields"]
    r = client.post(
        url,
        {"action": "reward", "reward_fen": 50_000, "budget_line": line.pk},
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["status"] == "rewarded"
    assert Commitment.objects.get().amount_fen == 50_000


# --- the authorization matrix of the reward --------------------------------------------------------


def _matrix_world() -> Any:
    from yugong.orgs.tests.authz import build_world

    world = build_world()
    for where in ("inside", "outside"):
        district = world.obj("district", where)
        preparer, leader = UserFactory(), UserFactory()
        grant(preparer, district, "staff")
        grant(leader, district, "chair")
        budget = funds.budget_create(actor=preparer, union=district, year=local_today().year)
        line = funds.budget_line_add(
            actor=preparer, budget=budget, category=Category.OTHER, name="奖励", amount_fen=10**7
        )
        funds.budget_submit(actor=preparer, budget=budget)
        funds.budget_approve(actor=leader, budget=budget)
        from yugong.members.models import Membership
        from yugong.members.tests.factories import make_person

        person = make_person(name=f"{where}提出人")
        Membership.objects.create(person=person, union=district, status=Membership.Status.ACTIVE)
        world.objects[("line", where)] = line
        world.objects[("proposal", where)] = Proposal.objects.create(
            person=person,
            proposer_name=person.name,
            union=district,
            category="design",
            title="导视",
            problem="x",
            solution="y",
            status=Proposal.Status.ADOPTED,
            grade="third",
            decided_at=now() - dt.timedelta(days=1),
        )
    return world


def _reward_world() -> Any:
    from yugong.orgs.tests.authz import module_world

    return module_world(_matrix_world)


reward_world = _reward_world()


def _routes() -> list[Any]:
    from yugong.orgs.tests.authz import ALL, MANAGE, Route

    page = "/innovation/console/proposals/{}/"
    return [
        Route("proposal page", "GET", lambda w, x: page.format(w.pk("proposal", x)), ALL),
        Route(
            "reward grant",
            "POST",
            lambda w, x: page.format(w.pk("proposal", x)) + "reward/",
            MANAGE,
            ok=302,
            data=lambda w, x: {"budget_line": w.pk("line", x), "reward_fen": "100"},
        ),
        Route(
            "api reward grant",
            "POST",
            lambda w, x: f"/api/v1/innovation/proposals/{w.pk('proposal', x)}/decide",
            MANAGE,
            api=True,
            data=lambda w, x: {"action": "reward", "reward_fen": 10_000, "budget_line": w.pk("line", x)},
        ),
    ]


def _cases() -> list[Any]:
    from yugong.orgs.tests.authz import cases

    return cases(_routes())


@pytest.mark.parametrize(("route", "actor", "where"), _cases())
def test_reward_authz(route: Any, actor: str, where: str, reward_world: Any, client: Any) -> None:
    from yugong.orgs.tests.authz import check

    check(route, actor, where, reward_world, client)
