"""Demo data for 百万职工游巴蜀 (run by ``manage.py seed_demo`` after orgs, accounts and members).

* merchants under the city federation (CQ): 武隆天生三桥景区 (scenic, daily tickets, a pass spot),
  洪崖洞民俗风貌区 (scenic, a pass spot), 重庆市话剧院 (troupe: 《江姐》 and 《红岩魂》 with evening
  sessions), 重庆中青旅 (a Sichuan–Chongqing route), 仙女山云端民宿 (B&B room-nights);
* merchant staff logins ``m_theatre`` and ``m_wulong`` (demo password, see README.md);
* a generated cover picture per product (a colour gradient per kind; a real merchant uploads photos);
* an annual-pass batch of this year for the demo worker (w_demo_worker, 13800138000) bought by the
  union of 重庆解放碑百货 (CQ-YZ-001), approved by the city chair.

Idempotent: merchants and products are found by name, sessions are topped up to the next 14 days,
the pass batch is made once per year.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from yugong.accounts.models import User
from yugong.core.timeutil import SHANGHAI, local_today
from yugong.funds.models import BudgetLine, Category
from yugong.members.models import Person
from yugong.orgs.models import Union

from .models import (
    AnnualPass,
    Merchant,
    MerchantStaff,
    PassSpot,
    Product,
    ProductPicture,
    ReviewStatus,
    Session,
)

DAYS = 14

MERCHANTS: list[dict[str, Any]] = [
    {
        "name": "武隆天生三桥景区",
        "kind": "scenic",
        "district": "武隆区",
        "staff": "m_wulong",
        "spot": ("武隆天生三桥", 3000, 29.4394, 107.7960),
        "products": [
            (
                "ticket",
                "武隆天生三桥门票（含换乘车）",
                "世界自然遗产，天坑地缝奇观",
                12500,
                6000,
                "09:00",
                3000,
            ),
        ],
    },
    {
        "name": "洪崖洞民俗风貌区",
        "kind": "scenic",
        "district": "渝中区",
        "staff": "",
        "spot": ("洪崖洞", 1000, 29.5633, 106.5796),
        "products": [
            ("ticket", "洪崖洞巴渝民俗体验票", "吊脚楼夜景与巴渝非遗体验", 6000, 3000, "18:00", 500)
        ],
    },
    {
        "name": "重庆市话剧院",
        "kind": "troupe",
        "district": "渝中区",
        "staff": "m_theatre",
        "spot": None,
        "products": [
            ("show", "话剧《江姐》", "红色经典，再现江竹筠烈士的革命人生", 18000, 9000, "19:30", 300),
            ("show", "话剧《红岩魂》", "歌乐山烈士群像，重庆红色记忆", 16000, 8000, "19:30", 280),
        ],
    },
    {
        "name": "重庆中青旅",
        "kind": "travel_agency",
        "district": "渝北区",
        "staff": "",
        "spot": None,
        "products": [
            (
                "route",
                "川渝精品线路：大足石刻—乐山大佛—峨眉山 4日游",
                "巴蜀文化遗产之旅，工会会员专享",
                198000,
                158000,
                "07:30",
                40,
            ),
        ],
    },
    {
        "name": "仙女山云端民宿",
        "kind": "bnb",
        "district": "武隆区",
        "staff": "",
        "spot": None,
        "products": [
            ("room", "仙女山云端民宿·观景大床房（一晚）", "职工疗休养优选", 68000, 42000, "14:00", 8)
        ],
    },
]


def seed(stdout: Any) -> None:
    city = Union.objects.filter(code="CQ").first()
    if city is None:
        stdout.write("tourism demo: no city union (run the orgs demo first)")
        return
    made = 0
    for spec in MERCHANTS:
        merchant, created = Merchant.objects.get_or_create(
            name=spec["name"],
            defaults={
                "kind": spec["kind"],
                "district": spec["district"],
                "host_union": city,
                "status": ReviewStatus.APPROVED,
                "commission_bp": 500,
                "bank_name": "中国工商银行重庆分行",
                "bank_account_name": spec["name"],
                "bank_account": "6222020200012345678",
            },
        )
        made += int(created)
        if spec["staff"]:
            _staff(merchant, spec["staff"])
        if spec["spot"]:
            PassSpot.objects.get_or_create(
                merchant=merchant,
                name=spec["spot"][0],
                defaults={
                    "rate_fen": spec["spot"][1],
                    "district": spec["district"],
                    "region": PassSpot.Region.CHONGQING,
                    "lat": spec["spot"][2],
                    "lng": spec["spot"][3],
                    "daily_limit": 500,
                    "status": ReviewStatus.APPROVED,
                },
            )
        for kind, title, summary, list_fen, member_fen, at, capacity in spec["products"]:
            product, _ = Product.objects.get_or_create(
                merchant=merchant,
                title=title,
                defaults={
                    "kind": kind,
                    "summary": summary,
                    "description": summary,
                    "district": spec["district"],
                    "list_price_fen": list_fen,
                    "member_price_fen": member_fen,
                    "limit_per_day": 5,
                    "status": ReviewStatus.APPROVED,
                    "search_text": f"{title} {summary} {spec['district']} {merchant.name}",
                },
            )
            _sessions(product, at, capacity)
            _cover(product)
    stdout.write(f"tourism demo: {made} new merchants; pass: {_demo_pass(city)}")


def _staff(merchant: Merchant, username: str) -> None:
    from yugong.accounts.demo import DEMO_PASSWORD

    user, created = User.objects.get_or_create(
        username=username, defaults={"display_name": f"{merchant.name}员工"}
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save()
    MerchantStaff.objects.get_or_create(
        merchant=merchant, user=user, defaults={"role": MerchantStaff.Role.OWNER}
    )


# Cover colours per product kind (top, bottom of the gradient).
COVER_COLOURS = {
    "ticket": ((46, 125, 50), (165, 214, 167)),
    "show": ((183, 28, 28), (255, 171, 145)),
    "route": ((21, 101, 192), (144, 202, 249)),
    "room": ((94, 53, 177), (206, 147, 216)),
}


def _cover(product: Product) -> None:
    """A generated 640×360 PNG cover, once per product; stored like an upload."""
    if ProductPicture.objects.filter(product=product).exists():
        return
    import io

    from django.core.files.base import ContentFile
    from PIL import Image

    top, bottom = COVER_COLOURS.get(product.kind, ((96, 96, 96), (200, 200, 200)))
    width, height = 640, 360
    column = Image.new("RGB", (1, height))
    for y in range(height):
        t = y / (height - 1)
        column.putpixel((0, y), tuple(round(a + (b - a) * t) for a, b in zip(top, bottom, strict=True)))
    buf = io.BytesIO()
    column.resize((width, height)).save(buf, format="PNG")
    picture = ProductPicture(product=product, format="PNG", width=width, height=height, size=buf.tell())
    picture.image.save("cover.png", ContentFile(buf.getvalue()), save=True)


def _sessions(product: Product, at: str, capacity: int) -> None:
    hour, minute = (int(x) for x in at.split(":"))
    today = local_today()
    existing = set(Session.objects.filter(product=product).values_list("starts_at", flat=True))
    every = 7 if product.kind == "route" else 1
    # Shows sell named seats: a hall of rows of 10 + aisle + 10, front row first.
    hall = ["A" * 10 + "_" + "A" * 10] * (capacity // 20) if product.kind == "show" else []
    if hall:
        capacity = 20 * len(hall)
    rows = []
    for offset in range(1, DAYS + 1, every):
        day = today + dt.timedelta(days=offset)
        starts = dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)
        if starts not in existing:
            rows.append(
                Session(
                    product=product, starts_at=starts, capacity=capacity, remaining=capacity, seat_rows=hall
                )
            )
    Session.objects.bulk_create(rows)


def _demo_pass(city: Union) -> str:
    from .services import pass_batch_approve, pass_batch_request

    worker = User.objects.filter(username="w_demo_worker").first()
    person = Person.objects.filter(user=worker).first() if worker else None
    union = Union.objects.filter(code="CQ-YZ-001").first()
    chair = User.objects.filter(username="city_chair").first()
    staff = User.objects.filter(username="yuzhong_staff").first()
    year = local_today().year
    # Paid from the union's funds: a line of its approved budget (seeded by funds' demo, which runs
    # first); the district's staff asks, the chair approves (nobody approves their own spending).
    line = (
        BudgetLine.objects.filter(union=union, year=year, open=True, category=Category.ACTIVITIES)
        .order_by("pk")
        .first()
    )
    if not (person and union and chair and staff and line):
        return "skipped (demo worker, union, chair, staff or budget line missing)"
    if AnnualPass.objects.filter(person=person, year=year).exists():
        return "exists"
    batch = pass_batch_request(
        actor=staff, union=union, year=year, price_fen=15000, person_ids=[person.pk], budget_line=line.pk
    )
    pass_batch_approve(actor=chair, batch=batch)
    return "issued to w_demo_worker"
