"""Award bonuses through union funds: after the award the organiser's staff grant a bonus from a line
of the organising union's budget (required, its own); each laureate's bonus is a spending request
approved by a leader (not one's own) and paid out to the laureate through a bank batch of kind 奖金,
whose result settles it; the page shows where each stands."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
import time_machine
from django.urls import reverse

from tests.helpers import UserFactory, grant
from yugong.core.errors import Conflict, PermissionDenied, ValidationFailed
from yugong.core.models import AuditEvent
from yugong.core.timeutil import local_today
from yugong.funds import ledger
from yugong.funds import services as funds
from yugong.funds.models import BudgetLine, Category, Commitment, PayoutLine
from yugong.honors import bonus, services
from yugong.honors.models import HonourBonus, Round

from .conftest import Tree, make_round
from .test_services import nominate, up_to_approved

pytestmark = pytest.mark.django_db


def _awarded(tree: Tree) -> Round:
    r = make_round(tree)
    services.quota_set(actor=tree.city_staff, round=r, union=tree.yuzhong, places=2)
    up_to_approved(tree, nominate(tree, r))
    up_to_approved(tree, nominate(tree, r, person=tree.colleague))
    services.notice_publish(actor=tree.city_staff, round=r, working_days=5)
    r.refresh_from_db()
    assert r.notice_ends_at is not None
    with time_machine.travel(r.notice_ends_at + dt.timedelta(minutes=1), tick=False):
        services.round_award(actor=tree.city_staff, round=r)
    r.refresh_from_db()
    return r


def _line(tree: Tree, union: Any = None) -> tuple[BudgetLine, Any, Any]:
    union = union or tree.city
    chair, finance = UserFactory(display_name="主席"), UserFactory(display_name="财务")
    grant(chair, union, "chair")
    grant(finance, union, "finance")
    budget = funds.budget_create(actor=tree.city_staff, union=union, year=local_today().year)
    line = funds.budget_line_add(
        actor=tree.city_staff, budget=budget, category=Category.OTHER, name="劳模奖励", amount_fen=10_000_000
    )
    funds.budget_submit(actor=tree.city_staff, budget=budget)
    funds.budget_approve(actor=chair, budget=budget)
    line.refresh_from_db()
    return line, chair, finance


def test_a_bonus_is_requested_approved_and_paid_to_the_laureate_through_a_bank_batch(tree: Tree) -> None:
    r = _awarded(tree)
    line, chair, finance = _line(tree)
    made = bonus.round_bonus_grant(actor=tree.city_staff, round_id=r.pk, line_id=line.pk, amount_fen=200_000)
    assert len(made) == 2 and {b.commitment.status for b in made} == {Commitment.Status.PENDING}
    # The purpose names the laureate (funds keeps text in NFKC: the full-width colon is ":").
    assert {b.commitment.purpose for b in made} == {
        f"荣誉奖金:{r.kind.name} 王师傅",
        f"荣誉奖金:{r.kind.name} 张三",
    }
    with pytest.raises(PermissionDenied):  # who asked does not approve
        funds.commitment_approve_id(actor=tree.city_staff, commitment_id=made[0].commitment_id)
    for b in made:
        funds.commitment_approve_id(actor=chair, commitment_id=b.commitment_id)
    assert [bonus.bonus_state(Commitment.objects.get(pk=b.commitment_id)) for b in made] == ["待发放"] * 2
    batch = funds.batch_create(
        actor=finance, union=tree.city, kind="award", title="劳动奖章奖金", bank_format="csv_utf8"
    )
    lines = [
        funds.batch_line_add(
            actor=finance,
            batch=batch,
            payee_name=b.honour.holder,
            account_no=f"62220212345678{i:02d}",
            amount_fen=b.amount_fen,
            commitment=b.commitment_id,
        )
        for i, b in enumerate(made)
    ]
    funds.batch_export(actor=finance, batch=batch)
    result = "客户流水号,处理结果,失败原因\n" + "".join(f"{x.number},成功,\n" for x in lines)
    funds.batch_results_import(actor=finance, batch=batch, data=io.BytesIO(result.encode("utf-8")))
    assert set(PayoutLine.objects.filter(batch=batch).values_list("status", flat=True)) == {"paid"}
    assert [bonus.bonus_state(Commitment.objects.get(pk=b.commitment_id)) for b in made] == ["已发放"] * 2
    line.refresh_from_db()
    assert line.spent_fen == 400_000 and line.reserved_fen == 0
    assert ledger.trial_balance() == 0 and ledger.unbalanced_entries() == []
    assert AuditEvent.objects.filter(action="honors.bonus_grant").count() == 1
    with pytest.raises(Conflict):  # every laureate has one already
        bonus.round_bonus_grant(actor=tree.city_staff, round_id=r.pk, line_id=line.pk, amount_fen=1)


def test_the_line_is_required_the_round_awarded_and_nothing_half_written(tree: Tree) -> None:
    r = _awarded(tree)
    other, _chair, _finance = _line(tree, tree.jiangbei)
    for line_id in (None, other.pk):
        with pytest.raises(ValidationFailed) as err:
            bonus.round_bonus_grant(actor=tree.city_staff, round_id=r.pk, line_id=line_id, amount_fen=100)
        assert "budget_line" in err.value.fields
    mine, _chair, _finance = _line(tree)
    with pytest.raises(ValidationFailed) as err:
        bonus.round_bonus_grant(actor=tree.city_staff, round_id=r.pk, line_id=mine.pk, amount_fen=0)
    assert set(err.value.fields) == {"amount"}
    Round.objects.filter(pk=r.pk).update(status=Round.Status.NOTICE)
    with pytest.raises(Conflict):
        bonus.round_bonus_grant(actor=tree.city_staff, round_id=r.pk, line_id=mine.pk, amount_fen=100)
    assert not HonourBonus.objects.exists() and not Commitment.objects.exists()


def test_the_bonuses_page(tree: Tree, client: Any) -> None:
    r = _awarded(tree)
    line, _chair, _finance = _line(tree)
    url = reverse("honors:console_round_bonuses", args=[r.pk])
    client.force_login(tree.city_staff)
    body = client.get(url).content.decode()
    assert f'<option value="{line.pk}">' in body and 'data-testid="bonus-form"' in body
    r2 = client.post(url, {"budget_line": line.pk, "amount": "2,000"})
    assert r2.status_code == 302 and HonourBonus.objects.count() == 2
    body = client.get(url).content.decode()
    assert body.count("待批准") == 2 and 'data-testid="bonus-form"' not in body
    client.force_login(tree.jb_staff)  # 江北 does not organise the city's round
    assert client.get(url).status_code == 404
    assert client.post(url, {"budget_line": line.pk, "amount": "1"}).status_code == 404


# --- the authorization matrix of the bonuses page ---------------------------------------------------


def _matrix_world() -> Any:
    from yugong.honors.models import Round as RoundModel
    from yugong.orgs.tests.authz import build_world

    from .conftest import honour_kind

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
        world.objects[("line", where)] = line
        world.objects[("round", where)] = RoundModel.objects.create(
            kind=honour_kind("city-may-day-medal"),
            union=district,
            year=2026,
            title="评选",
            deadline=now_() + dt.timedelta(days=1),
            status=RoundModel.Status.AWARDED,
        )
    return world


def now_() -> Any:
    from yugong.core.timeutil import now

    return now()


def _bonus_world() -> Any:
    from yugong.orgs.tests.authz import module_world

    return module_world(_matrix_world)


bonus_world = _bonus_world()


def _routes() -> list[Any]:
    from yugong.orgs.tests.authz import ALL, MANAGE, Route

    page = "/honors/console/rounds/{}/bonuses/"

    def no_laureates(actor: str, where: str) -> int | None:
        # Inside, a managing role reaches the service, which has no honour to pay: the page again.
        return 200 if actor in MANAGE and where == "inside" else None

    return [
        Route("bonuses page", "GET", lambda w, x: page.format(w.pk("round", x)), ALL),
        Route(
            "bonus grant",
            "POST",
            lambda w, x: page.format(w.pk("round", x)),
            MANAGE,
            data=lambda w, x: {"budget_line": w.pk("line", x), "amount": "100"},
            expect=no_laureates,
        ),
    ]


def _cases() -> list[Any]:
    from yugong.orgs.tests.authz import cases

    return cases(_routes())


@pytest.mark.parametrize(("route", "actor", "where"), _cases())
def test_bonus_authz(route: Any, actor: str, where: str, bonus_world: Any, client: Any) -> None:
    from yugong.orgs.tests.authz import check

    check(route, actor, where, bonus_world, client)
