"""What news does when other apps report (domain events, never imports of those apps)."""

from __future__ import annotations

from html import escape

from django.utils.translation import gettext as _

from yugong.accounts.system import system_actor
from yugong.core.events import event_handler
from yugong.core.models import DomainEvent
from yugong.orgs.models import Union

from .models import Article
from .services import article_create, article_publish


@event_handler("orgs.home_ratings_published")
def home_ratings_notice(event: DomainEvent) -> None:
    """职工之家 titles were published by a union: it tells its subtree with an 表彰名单 article."""
    payload = event.payload or {}
    union_id = payload.get("union_id")
    union = Union.objects.filter(pk=union_id).first() if isinstance(union_id, int) else None
    titles = payload.get("titles") or []
    if union is None or not titles:
        return
    title = _("%(year)s年度%(level)s模范职工之家（小家）命名名单") % {
        "year": payload.get("year"),
        "level": payload.get("level_label", ""),
    }
    rows = "".join(
        "<li>{}</li>".format(
            escape(_("%(union)s（%(kind)s）") % {"union": t.get("union", ""), "kind": t.get("kind", "")})
        )
        for t in titles
    )
    body = "<p>{}</p><ol>{}</ol>".format(escape(_("经逐级评审，以下单位获得命名：")), rows)
    actor = system_actor()
    article = article_create(
        actor=actor,
        union=union,
        title=title[:120],
        summary=_("共%(n)s个单位") % {"n": len(titles)},
        body_html=body,
        kind=Article.Kind.HONOUR,
    )
    article_publish(actor=actor, article=article)
