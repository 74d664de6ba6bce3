"""Page forms of tourism. Each validates what a page posts with the same Chinese field errors as the
service or the API input schema; the services keep the rules, the forms only shape the input."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _


class GateScanForm(forms.Form):
    """The merchant's gate: an e-ticket (YGT1…) or an annual-pass code (YGP1…), and for a pass the
    spot it is verified at."""

    token = forms.CharField(
        label=_("扫码结果（电子票 YGT1… 或年票 YGP1…）"),
        max_length=120,
        error_messages={"required": _("请扫码或输入电子票号。")},
    )
    spot = forms.TypedChoiceField(label=_("核验景点（年票）"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args: Any, spots: list[Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        spot_field = self.fields["spot"]
        assert isinstance(spot_field, forms.TypedChoiceField)
        spot_field.choices = [(s.pk, s.name) for s in spots or []]
