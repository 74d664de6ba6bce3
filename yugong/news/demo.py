"""Demo news and notices (idempotent by source key): city-wide news with two banner covers, a
渝中区 notice for its workers, an honour list, a 公示 and a staff notice that asks for receipts."""

from __future__ import annotations

import io
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw

from yugong.accounts.models import User
from yugong.orgs.models import Union

from . import services
from .models import Article

ITEMS: list[dict[str, Any]] = [
    {
        "source": "demo:tour",
        "union": "CQ",
        "author": "city_chair",
        "kind": "news",
        "title": "“百万职工游巴蜀”年票上线，百余景点一票畅游",
        "body": "市总工会联合川渝两地文旅部门推出职工年票，会员凭电子会员卡即可购买惠民门票和年票。\n\n"
        "年票由所在工会统一购买，职工在“游巴蜀”页面查看可用景点、预约入园。",
        "pinned": True,
        "colour": (196, 30, 58),
    },
    {
        "source": "demo:stations",
        "union": "CQ",
        "author": "city_chair",
        "kind": "news",
        "title": "全市渝工港湾达5220个，户外劳动者15分钟可达",
        "body": "冷可取暖、热可纳凉、渴可喝水、急可如厕、累可歇脚、伤可用药。打开“附近港湾”即可找到离您最近的站点。",
        "pinned": True,
        "colour": (21, 101, 192),
    },
    {
        "source": "demo:12351",
        "union": "CQ",
        "author": "city_chair",
        "kind": "notice",
        "title": "12351职工维权服务热线春节期间照常受理",
        "body": "春节假期热线和线上诉求照常受理，拖欠工资等紧急诉求优先办理。",
    },
    {
        "source": "demo:yz-spring",
        "union": "CQ-YZ",
        "author": "yuzhong_staff",
        "kind": "notice",
        "title": "渝中区总工会关于开展职工春季健步走活动的通知",
        "body": "各基层工会：为丰富职工文体生活，区总工会定于4月举办职工健步走活动，请于3月31日前组织报名。",
    },
    {
        "source": "demo:honour",
        "union": "CQ",
        "author": "city_chair",
        "kind": "honour",
        "title": "2023年重庆五一劳动奖拟表彰名单",
        "body": "<p>经各区县总工会推荐、市总工会审核，拟表彰以下集体和个人（节选）：</p>"
        "<ul><li>重庆五一劳动奖状：某某机械制造有限公司</li><li>重庆五一劳动奖章：张某某（高级技师）</li></ul>",
    },
    {
        "source": "demo:publicity",
        "union": "CQ-YZ",
        "author": "yuzhong_staff",
        "kind": "publicity",
        "title": "渝中区2024年金秋助学拟资助名单公示",
        "body": "公示期5个工作日。如有异议，请在公示期内向区总工会反映。",
    },
    {
        "source": "demo:staff-receipt",
        "union": "CQ",
        "author": "city_chair",
        "kind": "notice",
        "audience": "staff",
        "requires_receipt": True,
        "title": "关于做好年度工会经费决算工作的通知（请回执）",
        "body": "各区县总工会、基层工会：请于本月底前完成年度经费决算，并在系统中确认已阅。",
    },
]


def _banner(colour: tuple[int, int, int]) -> SimpleUploadedFile:
    width, height = 1200, 500
    img = Image.new("RGB", (width, height), colour)
    draw = ImageDraw.Draw(img)
    for i in range(12):
        shade = tuple(min(255, c + 12 * i) for c in colour)
        draw.ellipse((width - 520 + 30 * i, -200 + 25 * i, width + 200, 600), outline=shade, width=6)
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=80)
    return SimpleUploadedFile("banner.jpg", buf.getvalue(), "image/jpeg")


def seed(stdout: Any) -> None:
    made = 0
    for item in ITEMS:
        if Article.objects.filter(source=item["source"]).exists():
            continue
        union = Union.objects.filter(code=item["union"]).first()
        author = User.objects.filter(username=item["author"]).first()
        if union is None or author is None:
            continue
        article = services.article_create(
            actor=author,
            union=union,
            kind=item["kind"],
            audience=item.get("audience", "workers"),
            title=item["title"],
            body_html=item["body"],
            pinned=item.get("pinned", False),
            requires_receipt=item.get("requires_receipt", False),
        )
        Article.objects.filter(pk=article.pk).update(source=item["source"])
        if "colour" in item:
            services.article_set_cover(actor=author, article=article, upload=_banner(item["colour"]))
        services.article_publish(actor=author, article=article)
        made += 1
    stdout.write(f"news: {made} articles")
