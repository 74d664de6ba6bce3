"""The worker home: the banner carousel and news of the worker's union chain, the service grid, and
"my things" from the apps' HomeCard providers; the console home's dashboard of live figures."""

import datetime as dt

import pytest
from django.urls import reverse

from tests.helpers import UserFactory, assert_max_queries, grant, make_union
from yugong.core.facts import fact_record
from yugong.core.timeutil import local_today, now
from yugong.members.models import Membership
from yugong.members.tests.factories import make_member, make_person
from yugong.news import services as news_services
from yugong.news.demo import _banner
from yugong.rights.models import Appeal
from yugong.tourism.models import Order, Ticket
from yugong.tourism.tests.factories import make_merchant, make_product, make_session

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree():
    city = make_union(kind="city", name="重庆市总工会")
    district = make_union(city, kind="district", name="渝中区总工会")
    other = make_union(city, kind="district", name="江北区总工会")
    shop = make_union(district, name="解放碑商圈工会")
    return {"city": city, "district": district, "other": other, "shop": shop}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    # Facts recorded inside a test's transaction never commit, so the cockpit's monthly roll-up
    # (kept after commit) stays empty: read the facts (as the cockpit's own tests do).
    settings.COCKPIT_ROLLUP = False


def _publish(union, title, *, banner=False, kind="news"):
    author = UserFactory(is_staff=True)
    grant(author, union, "staff")
    article = news_services.article_create(
        actor=author, union=union, title=title, body_html="正文", kind=kind, pinned=banner
    )
    if banner:
        news_services.article_set_cover(actor=author, article=article, upload=_banner((200, 22, 29)))
    return news_services.article_publish(actor=author, article=article)


def _worker(union):
    user = UserFactory()
    make_member(union, make_person(user=user))
    return user


def test_the_home_shows_banners_and_news_of_the_workers_chain_only(client, tree):
    _publish(tree["district"], "渝中区职工春游报名", banner=True)
    _publish(tree["district"], "渝中区困难职工帮扶公示")
    _publish(tree["other"], "江北区通知")
    client.force_login(_worker(tree["shop"]))
    page = client.get(reverse("web:home")).content.decode()
    assert 'data-testid="home-banners"' in page and "渝中区职工春游报名" in page
    banner = page.split('data-testid="home-banners"')[1].split("</section>")[0]
    assert 'width="' in banner and 'height="' in banner and "srcset=" in banner
    assert "渝中区困难职工帮扶公示" in page and "江北区通知" not in page
    # the grid: tiles with SVG icons from the sprite, no character glyphs
    grid = page.split('data-testid="home-tiles"')[1].split("</div>")[0]
    assert grid.count("<svg") == grid.count("<a ") > 0 and "icons.svg#" in grid


def test_my_things_lists_the_next_ticket_an_open_appeal_and_a_pending_application(client, tree):
    worker = UserFactory()
    make_member(tree["shop"], make_person(user=worker), status=Membership.Status.PENDING)
    merchant, _staff = make_merchant(tree["city"], name="重庆红岩剧团")
    product = make_product(merchant, title="话剧《江姐》")
    session = make_session(product)
    order = Order.objects.create(
        number="T0001", user=worker, session=session, product=product, merchant=merchant, quantity=1,
        unit_price_fen=100, list_price_fen=200, amount_fen=100, status=Order.Status.PAID,
        idempotency_key="k1", paid_at=now(),
    )  # fmt: skip
    Ticket.objects.create(order=order, seq=1)
    appeal = Appeal.objects.create(
        number="A0001", channel="online", category="wages", subject="拖欠三个月工资", facts="经过",
        union=tree["district"], caller_user=worker, created_at=now(),
    )  # fmt: skip
    client.force_login(worker)
    client.get(reverse("web:home"))
    with assert_max_queries(14):
        page = client.get(reverse("web:home")).content.decode()
    mine = page.split('data-testid="home-mine"')[1].split("</section>")[0]
    assert "话剧《江姐》" in mine and reverse("tourism:my_tickets") in mine
    assert "拖欠三个月工资" in mine and reverse("rights:h5_detail", args=[appeal.pk]) in mine
    assert "入会申请审核中" in mine and reverse("members:my_union") in mine
    # another worker has none of these, and no "my things" card shows
    client.force_login(_worker(tree["shop"]))
    assert 'data-testid="home-mine"' not in client.get(reverse("web:home")).content.decode()


def test_every_tab_page_is_a_list_with_icons(client, tree):
    client.force_login(_worker(tree["shop"]))
    for tab in ("services", "growth", "help", "me"):
        response = client.get(reverse("web:tab", args=[tab]))
        if response.status_code == 404:  # a tab with no entry for this user
            continue
        page = response.content.decode()
        if 'data-testid="tab-list"' in page:
            rows = page.split('data-testid="tab-list"')[1].split("</ul>")[0]
            assert rows.count('class="yg-list-item"') == rows.count('class="yg-list-icon"') > 0


def _dashboard_world(tree, *, extra_children: int):
    for i in range(extra_children):
        child = make_union(tree["district"], name=f"基层工会{i}")
        fact_record(metric="members.approved", union_id=child.pk, value=2)
        fact_record(metric="tourism.paid_fen", union_id=child.pk, value=12_300)
        make_member(child, status=Membership.Status.PENDING)


def test_the_console_home_shows_live_figures_of_the_acting_subtree_each_a_link(client, tree):
    chair = UserFactory(is_staff=True)
    grant(chair, tree["district"], "chair")
    fact_record(metric="members.approved", union_id=tree["shop"].pk, value=3)
    fact_record(metric="members.approved", union_id=tree["other"].pk, value=50)  # outside
    make_member(tree["shop"], status=Membership.Status.PENDING)
    Appeal.objects.create(
        number="A0002", channel="online", category="wages", subject="欠薪", facts="经过",
        union=tree["shop"], due_at=now() - dt.timedelta(days=1), created_at=now(),
    )  # fmt: skip
    client.force_login(chair)
    page = client.get(reverse("web:console")).content.decode()
    states = page.split('data-testid="console-states"')[1].split("</div>")[0]
    assert reverse("members:approvals") in states and reverse("rights:queues") in states
    assert states.count('class="yg-stat-value">1<') == 3  # one pending, one open, one overdue
    flows = page.split('data-testid="console-flows"')[1].split('id="console-trends"')[0]
    assert "新发展会员" in flows and 'data-trend="members.approved"' in flows
    approved = flows.split("新发展会员")[1].split("</a>")[0]
    assert 'class="yg-stat-value">3 ' in approved  # the shop's 3, not the other district's 50
    assert f"{local_today():%Y-%m}" in page or "console-trends" in page
    assert "vendor/echarts.simple.min.js" in page and "yugong/dashboard.js" in page


def test_the_console_home_costs_the_same_queries_however_big_the_subtree(client, tree):
    chair = UserFactory(is_staff=True)
    grant(chair, tree["district"], "chair")
    client.force_login(chair)
    _dashboard_world(tree, extra_children=1)
    client.get(reverse("web:console"))
    with assert_max_queries(100) as small:
        client.get(reverse("web:console"))
    n = len(small.captured_queries)  # read now: the next request resets the query log
    _dashboard_world(tree, extra_children=6)
    client.get(reverse("web:console"))  # the new role rows changed the grants stamp: warm it again
    with assert_max_queries(n):
        assert client.get(reverse("web:console")).status_code == 200
