"""Page forms of the contests app."""

from __future__ import annotations

from django import forms


class ReviewPaperForm(forms.Form):
    """答案解析: which of the worker's papers to show (``?attempt=``; left out: the counted one)."""

    attempt = forms.IntegerField(required=False, min_value=1)
