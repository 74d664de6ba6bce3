"""Page forms of the cockpit: they carry what was typed; the services validate and decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from yugong.core.forms import PageForm


class NodeForm(PageForm):
    """The union node a page action is about (resolved through the access layer by the view)."""

    node = forms.CharField(label=_("工会"), required=False)


class CorrectForm(PageForm):
    """Correct one annual figure: the service checks the metric, the value and the reason."""

    metric = forms.CharField(label=_("指标"), required=False)
    value = forms.CharField(label=_("更正值"), required=False)
    reason = forms.CharField(label=_("更正原因"), required=False)
