"""Forms of the shell's own small actions."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from yugong.core.forms import NextForm


class ActingForm(NextForm):
    """Switch the union the console acts for (the view checks it is one of the user's own)."""

    union = forms.IntegerField(label=_("工会"))
