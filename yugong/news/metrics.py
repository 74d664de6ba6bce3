"""The facts news records, declared for the cockpit."""

from django.utils.translation import gettext_lazy as _

from yugong.core.metrics import Unit, metric

metric(
    "news.published",
    _("发布新闻通知"),
    unit=Unit.ITEMS,
    app="news",
    dims=_("按类型"),
    rows_url="news:console_list",
)
