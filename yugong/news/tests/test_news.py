"""News and notices: scoped publishing, the readers' chains, receipts, sanitising, search, the
pages and the API."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from PIL import Image

from tests.helpers import UserFactory, assert_max_queries, grant, make_union
from yugong.core.errors import NotFound, PermissionDenied, ValidationFailed
from yugong.core.models import AuditEvent, DailyFact
from yugong.members.tests.factories import make_member, make_person
from yugong.news import selectors, services
from yugong.news.models import Article, ReadReceipt
from yugong.news.sanitize import clean_body

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree():
    city = make_union(kind="city", name="重庆市总工会")
    yuzhong = make_union(city, kind="district", name="渝中区总工会")
    jiangbei = make_union(city, kind="district", name="江北区总工会")
    shop = make_union(yuzhong, name="解放碑商圈工会")
    return {"city": city, "yuzhong": yuzhong, "jiangbei": jiangbei, "shop": shop}


def _staff(union, role="staff"):
    user = UserFactory(is_staff=True)
    grant(user, union, role)
    return user


def _worker(union):
    user = UserFactory()
    make_member(union, make_person(user=user))
    return user


def _published(actor, union, **fields):
    article = services.article_create(
        actor=actor, union=union, title=fields.pop("title", "通知"), body_html="正文", **fields
    )
    return services.article_publish(actor=actor, article=article)


def test_a_district_notice_reaches_its_workers_and_not_another_districts(tree):
    author = _staff(tree["yuzhong"])
    article = _published(author, tree["yuzhong"], title="渝中区职工春游报名通知", kind="notice")
    inside, outside = _worker(tree["shop"]), _worker(tree["jiangbei"])
    assert [r["id"] for r in selectors.feed(inside)] == [article.pk]
    assert selectors.feed(outside) == []
    assert selectors.article_for_reader(inside, article.pk) == article
    with pytest.raises(NotFound):
        selectors.article_for_reader(outside, article.pk)
    # Anonymous visitors read only what the roots publish.
    city_news = _published(_staff(tree["city"]), tree["city"], title="市总工会新闻")
    assert [r["id"] for r in selectors.feed(None)] == [city_news.pk]
    assert {r["id"] for r in selectors.feed(inside)} == {article.pk, city_news.pk}


def test_publishing_is_scoped_and_audited_and_counted(tree):
    author = _staff(tree["yuzhong"])
    with pytest.raises(NotFound):
        services.article_create(actor=author, union=tree["jiangbei"], title="越权", body_html="x")
    viewer = _staff(tree["yuzhong"], "viewer")
    with pytest.raises(PermissionDenied):
        services.article_create(actor=viewer, union=tree["yuzhong"], title="只读", body_html="x")
    article = _published(author, tree["yuzhong"])
    actions = set(AuditEvent.objects.filter(object_id=str(article.pk)).values_list("action", flat=True))
    assert {"news.article_created", "news.article_published"} <= actions
    assert DailyFact.objects.get(metric="news.published", union_id=tree["yuzhong"].pk).value == 1


def test_staff_notices_ask_for_receipts_and_the_publisher_sees_who_has_not_read(tree):
    author = _staff(tree["yuzhong"])
    shop_staff, other = _staff(tree["shop"]), _staff(tree["jiangbei"])
    worker = _worker(tree["shop"])
    with pytest.raises(ValidationFailed) as err:
        services.article_create(
            actor=author, union=tree["yuzhong"], title="x", body_html="x", requires_receipt=True
        )
    assert "requires_receipt" in err.value.fields
    notice = _published(author, tree["yuzhong"], audience="staff", requires_receipt=True, kind="notice")
    assert selectors.feed(worker) == []  # staff only
    assert selectors.feed(other) == []  # another district's staff
    status = selectors.receipt_status(notice)
    assert status["total"] == 2 and {p["pk"] for p in status["unread"]} == {author.pk, shop_staff.pk}
    article = selectors.article_for_reader(shop_staff, notice.pk)
    assert services.receipt_mark(user=shop_staff, article=article) is True
    assert services.receipt_mark(user=shop_staff, article=article) is False  # once per person
    status = selectors.receipt_status(notice)
    assert status["read"] == 1 and [p["pk"] for p in status["unread"]] == [author.pk]
    assert ReadReceipt.objects.count() == 1


def test_bodies_are_sanitised():
    dirty = '<p onclick="x()">好<script>alert(1)</script></p><a href="javascript:alert(1)">链接</a><img src="https://evil.example/t.png"><img src="/media/a.png" alt="图">'
    clean = clean_body(dirty)
    assert "script" not in clean and "onclick" not in clean and "javascript" not in clean
    assert "evil.example" not in clean and 'src="/media/a.png"' in clean
    assert clean_body("第一段\n\n第二段<不是标签") == "<p>第一段</p><p>第二段&lt;不是标签</p>"


def test_withdrawn_items_disappear_and_reasons_are_required(tree):
    author = _staff(tree["city"])
    article = _published(author, tree["city"])
    with pytest.raises(ValidationFailed):
        services.article_withdraw(actor=author, article=article, reason=" ")
    services.article_withdraw(actor=author, article=article, reason="内容有误")
    assert selectors.feed(None) == []


def test_search_finds_chinese_words_among_what_the_reader_may_read(tree):
    author = _staff(tree["yuzhong"])
    _published(author, tree["yuzhong"], title="关于开展金秋助学活动的通知")
    _published(_staff(tree["jiangbei"]), tree["jiangbei"], title="江北区金秋助学名单")
    reader = _worker(tree["shop"])
    hits = selectors.search(reader, "金秋助学")
    assert [h["title"] for h in hits] == ["关于开展金秋助学活动的通知"]
    assert "<mark>" in str(hits[0]["title_html"])


def test_apps_post_once_per_source(tree):
    from yugong.accounts.system import system_actor

    first = services.article_post(
        actor=system_actor(),
        union=tree["city"],
        kind="honour",
        title="五一劳动奖名单",
        body_html="名单",
        source="honors.list:1",
    )
    again = services.article_post(
        actor=system_actor(),
        union=tree["city"],
        kind="honour",
        title="x",
        body_html="y",
        source="honors.list:1",
    )
    assert first.pk == again.pk and first.status == Article.Status.PUBLISHED


def _png(width=1200, height=800) -> io.BytesIO:
    buf = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(buf, "PNG")
    buf.seek(0)
    buf.name = "cover.png"
    buf.size = len(buf.getvalue())  # type: ignore[attr-defined]
    return buf


def test_covers_get_sizes_and_renditions(tree, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    author = _staff(tree["city"])
    article = services.article_create(actor=author, union=tree["city"], title="有封面", body_html="x")
    article = services.article_set_cover(actor=author, article=article, upload=_png())
    assert (article.cover_width, article.cover_height) == (1200, 800)
    assert set(article.cover_renditions) == {"480", "960"}
    with pytest.raises(ValidationFailed) as err:
        bad = io.BytesIO(b"not a picture")
        bad.name, bad.size = "x.png", 13  # type: ignore[attr-defined]
        services.article_set_cover(actor=author, article=article, upload=bad)
    assert "cover" in err.value.fields


def test_worker_pages_and_attachment_downloads_are_scoped(tree, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = str(tmp_path)
    author = _staff(tree["yuzhong"])
    article = services.article_create(
        actor=author, union=tree["yuzhong"], title="附件通知", body_html="见附件"
    )
    attachment = services.attachment_add(
        actor=author, article=article, upload=SimpleUploadedFile("名单.pdf", b"%PDF-1.4 x", "application/pdf")
    )
    services.article_publish(actor=author, article=article)
    inside, outside = Client(), Client()
    inside.force_login(_worker(tree["shop"]))
    outside.force_login(_worker(tree["jiangbei"]))
    assert inside.get("/news/").status_code == 200
    page = inside.get(f"/news/{article.pk}/")
    assert page.status_code == 200 and "附件通知" in page.content.decode()
    download = inside.get(f"/news/{article.pk}/files/{attachment.pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF")
    assert outside.get(f"/news/{article.pk}/").status_code == 404
    assert outside.get(f"/news/{article.pk}/files/{attachment.pk}/").status_code == 404


def test_console_journey_create_publish_withdraw(tree):
    author = _staff(tree["yuzhong"])
    client = Client()
    client.force_login(author)
    bad = client.post(
        "/console/news/new/",
        {"union": tree["yuzhong"].pk, "kind": "notice", "audience": "workers", "title": ""},
    )
    assert bad.status_code == 200 and not Article.objects.exists()  # the form refused it
    response = client.post(
        "/console/news/new/",
        {
            "union": tree["yuzhong"].pk,
            "kind": "notice",
            "audience": "workers",
            "title": "控制台通知",
            "body_html": "正文",
        },
    )
    assert response.status_code == 302
    article = Article.objects.get(title="控制台通知")
    assert client.post(f"/console/news/{article.pk}/publish/").status_code == 302
    article.refresh_from_db()
    assert article.status == "published"
    other = Client()
    other.force_login(_staff(tree["jiangbei"]))
    assert other.get(f"/console/news/{article.pk}/").status_code == 404
    assert other.post(f"/console/news/{article.pk}/withdraw/", {"reason": "x"}).status_code == 404


def test_the_console_form_shows_the_services_field_errors(tree):
    client = Client()
    client.force_login(_staff(tree["yuzhong"]))
    response = client.post(
        "/console/news/new/",
        {
            "union": tree["yuzhong"].pk,
            "kind": "news",
            "audience": "workers",
            "title": "x",
            "requires_receipt": "on",
        },
    )
    assert response.status_code == 200
    assert "只有发给工会干部的通知才能要求阅读回执" in response.content.decode()


def test_api_feed_detail_and_management(tree):
    author = _staff(tree["yuzhong"])
    client = Client()
    client.force_login(author)
    created = client.post(
        "/api/v1/news/manage/articles",
        {"union_id": tree["yuzhong"].pk, "title": "接口通知", "body_html": "正文", "kind": "notice"},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert client.post(f"/api/v1/news/manage/articles/{pk}/publish").json()["status"] == "published"
    reader = Client()
    reader.force_login(_worker(tree["shop"]))
    assert [i["id"] for i in reader.get("/api/v1/news/articles").json()] == [pk]
    assert reader.get(f"/api/v1/news/articles/{pk}").json()["title"] == "接口通知"
    outsider = Client()
    outsider.force_login(_staff(tree["jiangbei"]))
    assert outsider.get(f"/api/v1/news/articles/{pk}").status_code == 404
    assert outsider.post(f"/api/v1/news/manage/articles/{pk}/publish").status_code == 404
    bad = client.post(
        "/api/v1/news/manage/articles",
        {"union_id": tree["jiangbei"].pk, "title": "越权"},
        content_type="application/json",
    )
    assert bad.status_code == 404


def test_api_literals_follow_the_model_choices():
    from typing import get_args

    from yugong.news.api import Audience, Kind

    assert set(get_args(Kind)) == set(Article.Kind.values)
    assert set(get_args(Audience)) == set(Article.Audience.values)


def test_feed_query_count_stays_flat(tree):
    author = _staff(tree["yuzhong"])
    reader = _worker(tree["shop"])
    for n in range(3):
        _published(author, tree["yuzhong"], title=f"第{n}条")
    selectors.reader_of(reader)
    with assert_max_queries(3) as few:
        selectors.feed(reader)
    for n in range(30):
        _published(author, tree["yuzhong"], title=f"更多{n}")
    fresh = type(reader).objects.get(pk=reader.pk)
    with assert_max_queries(len(few.captured_queries) + 3):
        rows = selectors.feed(fresh)
    assert len(rows) == 20
