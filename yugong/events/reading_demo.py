"""The demo's live 玫瑰书香 campaign and photos of the day (called by ``demo.seed``).

* the city's officer curates six books (generated covers, stored like uploads);
* the demo worker (w_demo_worker) and five demo readers sign up and log a week of reading; the
  readers stand for workers who signed in on their phones (accounts ``w_demo_reader1``…, no
  password: they sign in by SMS like any worker);
* the demo worker's essay is published, a reader's waits in the review queue;
* at 职工文艺汇演 (on the day, the demo worker won) the demo worker uploaded three photos: two
  published, one waiting for review.

All through the services; idempotent (nothing is added to a campaign that has books, or to an
activity that has photos)."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw, ImageFont

from yugong.accounts.models import User
from yugong.core.timeutil import local_today
from yugong.members.models import Membership

from . import photos, reading
from .kinds import work_review
from .models import Activity, SignUp
from .services import signup_create

# title, author, ISBN-13, pages, cover colours (top, bottom)
BOOKS = [
    ("红岩", "罗广斌 杨益言", "9787020081271", 580, ((150, 20, 30), (230, 90, 70))),
    ("平凡的世界", "路遥", "9787530212202", 1260, ((120, 70, 30), (220, 170, 100))),
    ("人世间", "梁晓声", "9787506321068", 1500, ((30, 70, 120), (120, 170, 220))),
    ("大国工匠", "《大国工匠》编写组", "9787511812193", 260, ((40, 90, 60), (150, 200, 140))),
    ("活着", "余华", "9787020054374", 191, ((60, 60, 60), (170, 170, 170))),
    ("长江传", "冯天瑜", "9787539959115", 420, ((20, 100, 130), (120, 200, 210))),
]
# (days ago, book index, minutes, pages) for the demo worker; readers get a share of these
WORKER_LOGS = [(5, 0, 40, 35), (4, 0, 55, 48), (3, 0, 30, 26), (2, 4, 45, 40), (1, 4, 60, 52), (0, 0, 35, 30)]
READERS = 5
ESSAY_PUBLISHED = (
    "重读《红岩》",
    "小时候在课本里读过江姐的故事，这次在“玫瑰书香”读书月里从头读完了整本《红岩》。"
    "书里写的渣滓洞、白公馆就在我们重庆，周末我带着孩子去了歌乐山，站在那些石墙前面，"
    "才真正明白什么叫信念。我在商场做了十几年的营业员，每天站柜台、盘库存，有时也觉得日子平淡。"
    "可读完这本书我想，平凡的岗位也要守得住。感谢工会组织这次读书活动，下个月我想读《人世间》。",
)
ESSAY_PENDING = (
    "读《活着》有感",
    "福贵的一生失去了那么多，可他还是好好地活着。读完这本书，我对自己的工作和家庭多了一份珍惜。"
    "车间里的师傅们常说，日子是一天一天过出来的，这本书让我更懂这句话。",
)
PHOTOS = [("合唱团登台", True), ("签到处的志愿者", True), ("演出结束后的合影", False)]


def _gradient(
    top: tuple[int, int, int], bottom: tuple[int, int, int], size: tuple[int, int], text: str = ""
) -> SimpleUploadedFile:
    width, height = size
    column = Image.new("RGB", (1, height))
    for y in range(height):
        t = y / (height - 1)
        column.putpixel((0, y), tuple(round(a + (b - a) * t) for a, b in zip(top, bottom, strict=True)))
    img = column.resize((width, height))
    if text:
        _title(img, text)
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=85)
    return SimpleUploadedFile("demo.jpg", buf.getvalue(), content_type="image/jpeg")


def _title(img: Image.Image, text: str) -> None:
    """The book's title down the cover in a CJK font when the machine has one (else a plain cover)."""
    for path in (
        "/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc",
        "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
        "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    ):
        try:
            font = ImageFont.truetype(path, size=img.width // 6)
        except OSError:
            continue
        draw = ImageDraw.Draw(img)
        step = img.width // 6 + 6
        x = img.width - step - img.width // 10
        for i, ch in enumerate(text[:6]):
            draw.text((x, img.height // 10 + i * step), ch, font=font, fill=(255, 255, 255))
        return


def _readers(activity: Activity) -> list[User]:
    """Demo readers: members of the city's subtree given a worker account (signed in by SMS)."""
    users = []
    memberships = (
        Membership.objects.filter(
            status=Membership.Status.ACTIVE,
            union_path__startswith=activity.union_path,
            person__user__isnull=True,
        )
        .select_related("person")
        .order_by("pk")[:READERS]
    )
    for n, m in enumerate(memberships, start=1):
        user = User.objects.filter(username=f"w_demo_reader{n}").first()
        if user is None:
            user = User(username=f"w_demo_reader{n}", display_name=m.person.name)
            user.set_unusable_password()
            user.save()
        m.person.user = user
        m.person.save(update_fields=["user"])
        users.append(user)
    return users


def _join(user: User, activity: Activity) -> bool:
    if not SignUp.objects.filter(activity=activity, person__user=user).exists():
        signup_create(actor=user, activity_id=activity.pk)
    return SignUp.objects.filter(activity=activity, person__user=user, status__in=reading.READERS).exists()


def seed_reading(organiser: User, stdout: Any) -> None:
    from .demo import READING_CAMPAIGN

    campaign = Activity.objects.filter(title=READING_CAMPAIGN, kind="reading").first()
    if campaign is not None and not campaign.books.exists():
        _campaign(organiser, campaign)
        stdout.write("demo reading campaign: books, logs and essays")
    today = Activity.objects.filter(title="职工文艺汇演").first()
    if today is not None and not today.photos.exists():
        _photos(organiser, today)


def _campaign(organiser: User, campaign: Activity) -> None:
    books = [
        reading.book_add(
            actor=organiser,
            activity_id=campaign.pk,
            title=title,
            author=author,
            isbn=isbn,
            page_count=pages,
            cover=_gradient(*colours, (300, 420), title),
        )
        for title, author, isbn, pages, colours in BOOKS
    ]
    today = local_today()
    worker = User.objects.filter(username="w_demo_worker").first()
    people = ([worker] if worker else []) + _readers(campaign)
    for n, user in enumerate(people):
        if not _join(user, campaign):
            continue
        logs = WORKER_LOGS if n == 0 else WORKER_LOGS[n % 3 :: 2]
        for days_ago, book, minutes, pages in logs:
            reading.reading_log_record(
                actor=user,
                activity_id=campaign.pk,
                book_id=books[(book + n) % len(books)].pk,
                minutes=max(10, minutes - n * 4),
                pages=max(5, pages - n * 3),
                day=today - dt.timedelta(days=days_ago),
            )
    if worker is not None and _join(worker, campaign):
        essay = reading.essay_submit(
            actor=worker,
            activity_id=campaign.pk,
            title=ESSAY_PUBLISHED[0],
            body=ESSAY_PUBLISHED[1],
            book_id=books[0].pk,
        )
        work_review(actor=organiser, work_id=essay.pk, publish=True)
    if len(people) > 1 and _join(people[1], campaign):
        reading.essay_submit(
            actor=people[1],
            activity_id=campaign.pk,
            title=ESSAY_PENDING[0],
            body=ESSAY_PENDING[1],
            book_id=books[4].pk,
        )


def _photos(organiser: User, activity: Activity) -> None:
    worker = User.objects.filter(username="w_demo_worker").first()
    if (
        worker is None
        or not SignUp.objects.filter(activity=activity, person__user=worker, status="won").exists()
    ):
        return
    colours = [
        ((183, 28, 28), (255, 171, 145)),
        ((21, 101, 192), (144, 202, 249)),
        ((94, 53, 177), (206, 147, 216)),
    ]
    for (caption, publish), (top, bottom) in zip(PHOTOS, colours, strict=True):
        photo = photos.photo_upload(
            actor=worker,
            activity_id=activity.pk,
            image=_gradient(top, bottom, (1200, 900)),
            caption=caption,
            consent=True,
        )
        if publish:
            photos.photo_review(actor=organiser, photo_id=photo.pk, publish=True)
