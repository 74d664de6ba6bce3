from __future__ import annotations

import datetime as dt
import os
from typing import Any

import pytest

from tests.helpers import UserFactory, grant, make_union
from yugong.contests import selectors
from yugong.contests.models import Contest, Question, QuestionBank
from yugong.contests.quiz import leaderboard, pool_forget
from yugong.core.timeutil import now
from yugong.members.models import Membership, Person


@pytest.fixture(autouse=True)
def _fresh(settings: Any) -> Any:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.CONTESTS_START_RATE = 0
    pool_forget()
    leaderboard.rollup_forget()
    selectors.contest_facts_forget()
    yield
    pool_forget()
    leaderboard.rollup_forget()
    selectors.contest_facts_forget()


@pytest.fixture
def tree(db: Any) -> dict[str, Any]:
    city = make_union(None, name="重庆市总工会")
    yz = make_union(city, kind="district", name="渝中区总工会", district="渝中区")
    shop = make_union(yz, kind="grassroots", name="解放碑百货工会")
    jb = make_union(city, kind="district", name="江北区总工会", district="江北区")
    plant = make_union(jb, kind="grassroots", name="长江机械厂工会")
    staff = UserFactory()
    grant(staff, city, "staff")
    yz_staff = UserFactory()
    grant(yz_staff, yz, "staff")
    return {
        "city": city,
        "yz": yz,
        "shop": shop,
        "jb": jb,
        "plant": plant,
        "staff": staff,
        "yz_staff": yz_staff,
    }


def make_bank(
    union: Any, n: int = 30, categories: tuple[str, ...] = ("安全生产", "职业健康", "法律法规")
) -> QuestionBank:
    bank = QuestionBank.objects.create(name="题库", union=union)
    Question.objects.bulk_create(
        [
            Question(
                bank=bank,
                kind="single" if i % 3 else "multiple" if i % 2 else "truefalse",
                stem=f"第{i}题",
                options=["甲", "乙", "丙", "丁"] if i % 3 or i % 2 else ["正确", "错误"],
                answer="A" if i % 3 else "AC" if i % 2 else "B",
                category=categories[i % len(categories)],
                position=i,
            )
            for i in range(n)
        ]
    )
    return bank


def make_contest(organiser: Any, bank: QuestionBank | None = None, **fields: Any) -> Contest:
    bank = bank or make_bank(organiser)
    defaults: dict[str, Any] = {
        "title": "安康杯知识竞赛",
        "starts_at": now() - dt.timedelta(hours=1),
        "ends_at": now() + dt.timedelta(days=7),
        "question_count": 10,
        "time_limit_seconds": 600,
        "tries_per_day": 3,
        "status": "published",
    }
    defaults.update(fields)
    return Contest.objects.create(organiser=organiser, bank=bank, **defaults)


def make_worker(union: Any, name: str = "张三") -> Any:
    user = UserFactory()
    person = Person.objects.create(name=name, user=user)
    Membership.objects.create(person=person, union=union, status="active")
    return user


@pytest.fixture
def no_redis(settings: Any) -> None:
    settings.CONTESTS_LEADERBOARD_REDIS = False


def right_answers(attempt: Any) -> dict[str, str]:
    return {str(q.pk): q.answer for q in Question.objects.filter(pk__in=attempt.question_ids)}


__all__ = ["leaderboard"]


REDIS_TEST_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/14"


def _redis_up() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS_TEST_URL, socket_connect_timeout=0.5).ping())
    except Exception:  # noqa: BLE001
        return False


@pytest.fixture(params=["database", "redis"])
def backend(request: Any, settings: Any) -> str:
    if request.param == "redis":
        if not _redis_up():
            pytest.skip("no Redis server answers at " + REDIS_TEST_URL)
        settings.CACHES = {
            "default": {
                "BACKEND": "django_redis.cache.RedisCache",
                "LOCATION": REDIS_TEST_URL,
                "KEY_PREFIX": f"ygtest-contests-{os.getpid()}",
                "OPTIONS": {"CLIENT_CLASS": "django_redis.client.DefaultClient"},
            }
        }
        settings.CONTESTS_LEADERBOARD_REDIS = True
    else:
        settings.CONTESTS_LEADERBOARD_REDIS = False
    return str(request.param)
