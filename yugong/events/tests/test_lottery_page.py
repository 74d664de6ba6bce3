"""What a worker sees of an activity's sign-up and draw: where sign-up stands (the list's tag, the
detail's button), and the public lottery record — each pool's places, any number looked up, the
list a page at a time and the JSON record that ``lottery.py`` re-computes on its own."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

from tests.helpers import assert_max_queries
from yugong.core import timeutil
from yugong.events import lottery, selectors, signup_rules, views
from yugong.events.models import Activity, SignUp
from yugong.events.services import activity_draw, quota_allocate, signup_create

from .conftest import SEED, World, close_signup, make_activity, make_member

pytestmark = pytest.mark.django_db


# --- where sign-up stands --------------------------------------------------------------------------


def test_the_phase_is_open_exactly_when_a_sign_up_goes_through() -> None:
    opens = timeutil.now()
    closes = opens + dt.timedelta(hours=1)
    second = dt.timedelta(seconds=1)
    for status in Activity.Status.values:
        for at in (opens - second, opens, closes - second, closes, closes + second):
            refused = signup_rules.window_refusal(status=status, opens=opens, closes=closes, at=at)
            phase = signup_rules.signup_phase(status=status, opens=opens, closes=closes, at=at)
            assert (phase == signup_rules.PHASE_OPEN) == (refused is None), (status, at)
            assert signup_rules.phase_label(phase)
    assert (
        signup_rules.signup_phase(status="open", opens=opens, closes=closes, at=opens - second) == "upcoming"
    )
    assert signup_rules.signup_phase(status="open", opens=opens, closes=closes, at=closes) == "closed"
    assert signup_rules.signup_phase(status="drawn", opens=opens, closes=closes, at=closes) == "drawn"


def test_list_and_detail_say_where_sign_up_stands(client: Any, world: World) -> None:
    now = timeutil.now()
    day = dt.timedelta(days=1)
    open_one = make_activity(world, title="报名中的活动", venue="重庆市体育馆", starts_at=now + 3 * day)
    upcoming = make_activity(
        world, title="未开始的活动", signup_opens_at=now + day, signup_closes_at=now + 2 * day
    )
    closed = make_activity(world, title="已截止的活动")
    close_signup(closed)
    user, _ = make_member(world.store)
    client.force_login(user)

    page = client.get(reverse("events:h5_list")).content.decode()
    for label in ("报名中", "报名未开始", "报名已截止，待抽签"):
        assert label in page
    assert "重庆市体育馆" in page

    detail = client.get(reverse("events:h5_detail", args=[open_one.pk])).content.decode()
    assert 'data-testid="signup"' in detail and "重庆市体育馆" in detail and "活动时间" in detail
    for activity, label in ((upcoming, "报名未开始"), (closed, "报名已截止，待抽签")):
        detail = client.get(reverse("events:h5_detail", args=[activity.pk])).content.decode()
        assert 'data-testid="signup"' not in detail
        assert label in detail


# --- the lottery record ----------------------------------------------------------------------------


def _drawn(world: World, *, members: int) -> tuple[Activity, list[tuple[Any, SignUp]]]:
    """An activity with a quota for 渝中 (2 places of 5) and ``members`` sign-ups, half from 渝中's
    store and half from 江北 (the organiser's own places), drawn with ``SEED``."""
    activity = make_activity(world, places=5, repeat_penalty_pct=100)
    quota_allocate(actor=world.organiser, activity_id=activity.pk, union_id=world.yuzhong.pk, places=2)
    signed = []
    for i in range(members):
        user, _ = make_member(world.store if i % 2 else world.jiangbei)
        signed.append((user, signup_create(actor=user, activity_id=activity.pk)))
    close_signup(activity)
    activity_draw(actor=world.organiser, activity_id=activity.pk, seed=SEED)
    activity.refresh_from_db()
    return activity, signed


def test_the_page_publishes_each_pool_and_answers_any_number(client: Any, world: World) -> None:
    activity, signed = _drawn(world, members=8)
    url = reverse("events:h5_lottery", args=[activity.pk])
    user, mine = signed[1]
    client.force_login(user)
    page = client.get(url).content.decode()
    assert SEED in page and activity.seed_hash in page

    pools = {p.pool: p for p in selectors.draw_pools(activity)}
    quota_id = activity.quotas.get().pk
    assert pools[quota_id].label == world.yuzhong.name and pools[quota_id].places == 2
    assert pools[0].places == 3 and world.city.name in pools[0].label
    assert (pools[0].entries, pools[quota_id].entries) == (4, 4)
    assert (pools[0].winners, pools[quota_id].winners) == (3, 2)
    for p in pools.values():
        assert f"#{p.pool}" in page

    mine.refresh_from_db()
    result = "中签" if mine.won_at_draw else "未中签"
    assert 'data-testid="my-draw"' in page and f"报名编号 {mine.pk} · " in page
    looked = client.get(url, {"n": mine.pk}).content.decode()
    assert f"报名编号 {mine.pk}（名额池 #{quota_id}）" in looked
    assert result in looked.split('data-testid="lookup-result"')[1].split("</p>")[0]
    for junk in ("999999", "abc", "1" * 40):
        assert "抽签名单中没有报名编号" in client.get(url, {"n": junk}).content.decode()


def test_the_list_comes_a_page_at_a_time_with_flat_queries(
    client: Any, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(views, "LOTTERY_PAGE", 10)
    small, _ = _drawn(world, members=3)
    big, signed = _drawn(world, members=25)
    client.force_login(signed[0][0])
    counts = []
    for activity in (small, big):
        url = reverse("events:h5_lottery", args=[activity.pk])
        with assert_max_queries(14) as counted:
            page = client.get(url).content.decode()
        counts.append(len(counted))
    assert counts[0] == counts[1]
    numbers = [n for n, *_ in selectors.draw_list(big)]
    last = client.get(url, {"page": 3}).content.decode()
    rows = last.split('data-testid="draw-list"')[1]
    assert f"<td>{numbers[20]}</td>" in rows and f"<td>{numbers[24]}</td>" in rows
    assert f"<td>{numbers[19]}</td>" not in rows
    assert "第 1 / 3 页" in page


def test_the_record_recomputes_the_draw_on_its_own(client: Any, world: World, tmp_path: Path) -> None:
    activity, _ = _drawn(world, members=9)
    resp = client.get(reverse("events:h5_lottery_record", args=[activity.pk]))
    assert resp.status_code == 200 and resp["Content-Type"] == "application/json"
    assert f"lottery-{activity.pk}.json" in resp["Content-Disposition"]
    record = json.loads(b"".join(resp.streaming_content))
    assert record["seed"] == SEED and record["penalty_pct"] == 100
    assert record["drawn_at"].endswith("+08:00")
    assert len(record["entries"]) == 9
    check = lottery.check_published(record)
    assert check.ok and len(check.recorded) == 5

    # A flipped result or another seed fails the check.
    tampered = json.loads(json.dumps(record))
    loser = next(e for e in tampered["entries"] if not e[3])
    winner = next(e for e in tampered["entries"] if e[3])
    loser[3], winner[3] = True, False
    assert not lottery.check_published(tampered).ok
    other = dict(record, seed="another-seed")
    assert not lottery.check_published(other).commitment_ok

    # The file alone, with nothing but Python: exit 0 for the record, 1 for the tampered one.
    script = tmp_path / "lottery.py"
    shutil.copy(lottery.__file__, script)
    good, bad = tmp_path / "good.json", tmp_path / "bad.json"
    good.write_text(json.dumps(record), encoding="utf-8")
    bad.write_text(json.dumps(tampered), encoding="utf-8")
    ran = subprocess.run(
        [sys.executable, "-I", str(script), str(good)], capture_output=True, text=True, check=False
    )
    assert ran.returncode == 0 and "verified: the draw matches" in ran.stdout
    ran = subprocess.run(
        [sys.executable, "-I", str(script), str(bad)], capture_output=True, text=True, check=False
    )
    assert ran.returncode == 1 and "FAILED" in ran.stdout


@pytest.mark.parametrize("entries", [4, 5])
def test_the_record_is_valid_json_at_every_chunk_boundary(
    world: World, monkeypatch: pytest.MonkeyPatch, entries: int
) -> None:
    activity, _ = _drawn(world, members=entries)
    monkeypatch.setattr(selectors, "RECORD_CHUNK", 2)
    record = json.loads("".join(selectors.published_record(activity)))
    assert [e[0] for e in record["entries"]] == sorted(
        SignUp.objects.filter(activity=activity, in_draw=True).values_list("id", flat=True)
    )
    assert lottery.check_published(record).ok


def test_no_record_before_the_draw(client: Any, world: World) -> None:
    activity = make_activity(world)
    assert client.get(reverse("events:h5_lottery_record", args=[activity.pk])).status_code == 404
    page = client.get(reverse("events:h5_lottery", args=[activity.pk])).content.decode()
    assert 'data-testid="not-drawn"' in page and 'data-testid="draw-list"' not in page
