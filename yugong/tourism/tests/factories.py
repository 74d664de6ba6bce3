"""Test data for tourism: a small union tree, members, an approved merchant with staff, a live
product with a session. Used by the unit tests, the browser test and nothing in production."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from typing import Any

from tests.helpers import UserFactory, grant, make_union
from yugong.accounts.models import User
from yugong.core.timeutil import local_today, now
from yugong.members.models import Membership, Person
from yugong.orgs.models import Union
from yugong.tourism.models import Merchant, MerchantStaff, PassSpot, Product, ReviewStatus, Session

_n = itertools.count(1)


def make_member(union: Union, *, name: str = "", user: User | None = None) -> tuple[User, Person]:
    n = next(_n)
    user = user or UserFactory(display_name=name or f"职工{n}")
    person = Person.objects.create(name=name or f"职工{n}", user=user)
    Membership.objects.create(person=person, union=union, status=Membership.Status.ACTIVE)
    return user, person


def make_merchant(
    host: Union, *, name: str = "", kind: str = "troupe", commission_bp: int = 500
) -> tuple[Merchant, User]:
    n = next(_n)
    merchant = Merchant.objects.create(
        name=name or f"测试商户{n}",
        kind=kind,
        host_union=host,
        status=ReviewStatus.APPROVED,
        commission_bp=commission_bp,
        bank_account="6222020200001234567",
    )
    staff = UserFactory(display_name=f"商户员工{n}")
    MerchantStaff.objects.create(merchant=merchant, user=staff, role=MerchantStaff.Role.OWNER)
    return merchant, staff


def make_product(
    merchant: Merchant,
    *,
    title: str = "",
    kind: str = "show",
    list_fen: int = 12000,
    member_fen: int = 8000,
    **fields: Any,
) -> Product:
    n = next(_n)
    return Product.objects.create(
        merchant=merchant,
        kind=kind,
        title=title or f"测试演出{n}",
        district=merchant.district or "渝中区",
        list_price_fen=list_fen,
        member_price_fen=member_fen,
        status=ReviewStatus.APPROVED,
        search_text=title or f"测试演出{n}",
        **fields,
    )


def make_session(product: Product, *, capacity: int = 10, days: int = 7) -> Session:
    return Session.objects.create(
        product=product, starts_at=now() + dt.timedelta(days=days), capacity=capacity, remaining=capacity
    )


@dataclass
class World:
    city: Union
    district: Union
    company: Union
    other: Union
    platform: User  # staff at the city root: reviews and settles
    finance: User  # finance at the city root: payouts
    chair: User  # chair of ``company``
    union_staff: User  # staff of ``company``
    worker: User  # member of ``company``
    person: Person
    merchant: Merchant
    merchant_staff: User
    other_merchant: Merchant
    other_staff: User
    product: Product
    session: Session
    spot: PassSpot


def build_world(*, capacity: int = 10) -> World:
    city = make_union(None, name="重庆市总工会")
    district = make_union(city, kind="district", name="渝中区总工会", district="渝中区")
    company = make_union(district, kind="grassroots", name="解放碑百货工会", district="渝中区")
    other = make_union(district, kind="grassroots", name="另一家工会", district="渝中区")
    platform = UserFactory(display_name="平台运营")
    grant(platform, city, "staff")
    finance = UserFactory(display_name="平台财务")
    grant(finance, city, "finance")
    chair = UserFactory(display_name="工会主席")
    grant(chair, company, "chair")
    union_staff = UserFactory(display_name="工会干事")
    grant(union_staff, company, "staff")
    worker, person = make_member(company, name="张师傅")
    merchant, merchant_staff = make_merchant(city, name="重庆红岩剧团")
    other_merchant, other_staff = make_merchant(city, name="武隆天生三桥景区", kind="scenic")
    product = make_product(merchant, title="话剧《江姐》")
    session = make_session(product, capacity=capacity)
    spot = PassSpot.objects.create(
        merchant=other_merchant, name="天生三桥", rate_fen=3000, status=ReviewStatus.APPROVED
    )
    return World(
        city,
        district,
        company,
        other,
        platform,
        finance,
        chair,
        union_staff,
        worker,
        person,
        merchant,
        merchant_staff,
        other_merchant,
        other_staff,
        product,
        session,
        spot,
    )


def funded_line(union: Union, *, amount_fen: int = 100_000_000) -> int:
    """An open line of ``union``'s approved budget for this year: a union purchase (包场, annual
    passes) must name one (the funds rule). Reused when the union has one already."""
    from yugong.funds import services as funds
    from yugong.funds.models import BudgetLine, Category

    year = local_today().year
    found = BudgetLine.objects.filter(union=union, year=year, open=True).order_by("pk").first()
    if found is not None:
        return found.pk
    preparer, approver = UserFactory(display_name="经费编制"), UserFactory(display_name="经费审批")
    grant(preparer, union, "staff")
    grant(approver, union, "chair")
    budget = funds.budget_create(actor=preparer, union=union, year=year)
    line = funds.budget_line_add(
        actor=preparer,
        budget=budget,
        category=Category.ACTIVITIES,
        name="职工文体活动",
        amount_fen=amount_fen,
    )
    funds.budget_submit(actor=preparer, budget=budget)
    funds.budget_approve(actor=approver, budget=budget)
    return line.pk


def set_pool(year: int, balance_fen: int, *, rows: int = 1) -> None:
    """The year's pool holds ``balance_fen`` in ``rows`` rows (as even as the fen allow)."""
    from yugong.tourism.models import PassPool

    PassPool.objects.filter(year=year).delete()
    share, rest = divmod(balance_fen, rows)
    PassPool.objects.bulk_create(
        PassPool(year=year, slot=k, balance_fen=share + (1 if k < rest else 0)) for k in range(rows)
    )
