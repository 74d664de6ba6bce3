"""Console forms of events (activities): one small form per action of the activity page; the
services validate and decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from yugong.core.forms import PageForm

PLACES_MESSAGE = _("名额须为非负整数。")


class AllocateForm(PageForm):
    union_id = forms.CharField(label=_("工会"), required=False)
    places = forms.IntegerField(
        label=_("名额"),
        min_value=0,
        error_messages={"required": PLACES_MESSAGE, "invalid": PLACES_MESSAGE, "min_value": PLACES_MESSAGE},
    )


class DrawForm(PageForm):
    seed = forms.CharField(label=_("随机种子"), required=False, strip=False)


ACTION_FORMS: dict[str, type[PageForm]] = {"allocate": AllocateForm, "draw": DrawForm}
