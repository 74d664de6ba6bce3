"""Page forms of tourism. Each validates what a page posts with the same Chinese field errors as the
service or the API input schema; the services keep the rules, the forms only shape the input."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from yugong.core.errors import ApplicationError
from yugong.core.money import parse_yuan

from .models import PassSpot


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


def apply_errors(form: forms.Form, exc: ApplicationError, aliases: Mapping[str, str] | None = None) -> None:
    """Put a service's field errors (``ValidationFailed.fields``) on the form's fields, so a page
    shows exactly the Chinese messages the API answers; unknown fields go to the form as a whole."""
    for key, messages in exc.fields.items():
        name = (aliases or {}).get(key, key)
        for message in messages:
            form.add_error(name if name in form.fields else None, str(message))
    if not exc.fields:
        form.add_error(None, str(exc.message))


class PassSpotForm(forms.Form):
    """A merchant's application for an annual-pass spot; the rules (and their messages) are the
    service's (``services.spots.spot_values``), the form turns yuan into fen."""

    name = forms.CharField(label=_("景点名称"), max_length=120, required=False)
    region = forms.ChoiceField(label=_("川渝"), choices=PassSpot.Region.choices, required=False)
    district = forms.CharField(label=_("区县"), max_length=40, required=False)
    address = forms.CharField(label=_("地址"), max_length=200, required=False)
    summary = forms.CharField(label=_("简介"), max_length=200, required=False)
    lat = forms.CharField(label=_("纬度（WGS-84）"), max_length=20, required=False)
    lng = forms.CharField(label=_("经度（WGS-84）"), max_length=20, required=False)
    rate = forms.CharField(label=_("每人次结算价（元）"), max_length=20, required=False)
    daily_limit = forms.CharField(label=_("每日接待上限（人次，不限留空）"), max_length=10, required=False)
    one_entry_per_day = forms.BooleanField(label=_("每人每日限入一次"), required=False, initial=True)

    ALIASES = {"rate_fen": "rate"}

    def service_data(self) -> dict[str, Any]:
        """What ``pass_spot_apply`` takes; raises ValidationFailed naming ``rate_fen``."""
        data = dict(self.cleaned_data)
        rate = data.pop("rate", "")
        data["rate_fen"] = parse_yuan(rate, field="rate_fen") if str(rate).strip() else None
        return data

    @classmethod
    def initial_for(cls, spot: PassSpot) -> dict[str, Any]:
        return {
            **{k: getattr(spot, k) for k in ("name", "region", "district", "address", "summary")},
            "lat": "" if spot.lat is None else spot.lat,
            "lng": "" if spot.lng is None else spot.lng,
            "rate": f"{spot.rate_fen / 100:.2f}",
            "daily_limit": spot.daily_limit or "",
            "one_entry_per_day": spot.one_entry_per_day,
        }


class SpotActiveForm(forms.Form):
    active = forms.TypedChoiceField(
        choices=[("1", _("恢复")), ("0", _("暂停"))], coerce=lambda v: v == "1", empty_value=None
    )


class SpotReviewForm(forms.Form):
    """The city's decision on a spot application: approve (optionally settling the rate) or reject."""

    decision = forms.ChoiceField(
        choices=[("approve", _("批准")), ("reject", _("驳回"))],
        error_messages={"required": _("请选择批准或驳回。"), "invalid_choice": _("请选择批准或驳回。")},
    )
    note = forms.CharField(label=_("意见"), max_length=200, required=False)
    rate = forms.CharField(label=_("核定结算价（元，留空按申请）"), max_length=20, required=False)

    ALIASES = {"rate_fen": "rate"}

    def rate_fen(self) -> int | None:
        rate = str(self.cleaned_data.get("rate") or "").strip()
        return parse_yuan(rate, field="rate_fen") if rate else None


class PassSpotSearchForm(forms.Form):
    """The worker's search over the pass spots (the same filters as ``GET /pass-spots``)."""

    q = forms.CharField(label=_("搜索景点"), max_length=60, required=False)
    region = forms.ChoiceField(
        label=_("川渝"), choices=[("", _("全部")), *PassSpot.Region.choices], required=False
    )
    district = forms.CharField(label=_("区县"), max_length=40, required=False)
