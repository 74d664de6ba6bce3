"""Page forms of tourism. Each validates what a page posts with the same Chinese field errors as the
service or the API input schema; the services keep the rules, the forms only shape the input."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from yugong.core.errors import ApplicationError
from yugong.core.money import parse_yuan
from yugong.core.validators import is_ascii_digits

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


def _ids(text: str) -> list[int]:
    """``12, 15，18 20`` -> [12, 15, 18, 20]; anything else is an error naming the field."""
    parts = [p for p in str(text or "").replace("，", ",").replace(" ", ",").split(",") if p.strip()]
    if not all(is_ascii_digits(p.strip()) for p in parts):
        raise forms.ValidationError(_("请填写职工编号，用逗号分隔。"))
    return [int(p) for p in parts]


class DecisionForm(forms.Form):
    """Approve or reject (a group order, a pass purchase, a product, a merchant), with a note."""

    decision = forms.ChoiceField(
        choices=[("approve", _("批准")), ("reject", _("驳回"))],
        error_messages={"required": _("请选择批准或驳回。"), "invalid_choice": _("请选择批准或驳回。")},
    )
    note = forms.CharField(label=_("意见"), max_length=500, required=False)

    @property
    def approve(self) -> bool:
        return self.cleaned_data["decision"] == "approve"


class MerchantReviewForm(DecisionForm):
    """The platform's decision on a merchant application, with the agreed terms (optional)."""

    commission_bp = forms.CharField(max_length=10, required=False)
    settlement_cycle = forms.CharField(max_length=16, required=False)
    bank_name = forms.CharField(max_length=100, required=False)
    bank_account_name = forms.CharField(max_length=100, required=False)
    bank_account = forms.CharField(max_length=40, required=False)

    TERMS = ("commission_bp", "settlement_cycle", "bank_name", "bank_account_name", "bank_account")

    def terms(self) -> dict[str, Any]:
        return {k: self.cleaned_data[k] for k in self.TERMS if self.cleaned_data.get(k)}


class UnionBuyForm(forms.Form):
    """Shared by the group-order and pass-purchase requests: the buying union."""

    union = forms.IntegerField(error_messages={"required": _("请选择工会。"), "invalid": _("请选择工会。")})
    # Required by the funds rule (``funds.services.spending``), which names the missing field.
    budget_line = forms.IntegerField(required=False, error_messages={"invalid": _("请选择预算项目。")})


class GroupOrderForm(UnionBuyForm):
    session = forms.IntegerField(error_messages={"required": _("请选择场次。"), "invalid": _("请选择场次。")})
    activity = forms.CharField(max_length=120, required=False)
    seats = forms.IntegerField(
        required=False, min_value=0, error_messages={"invalid": _("请填写有效的数字。")}
    )
    whole_session = forms.BooleanField(required=False)
    attendees = forms.CharField(max_length=5000, required=False)

    def clean_attendees(self) -> list[int]:
        return _ids(self.cleaned_data.get("attendees", ""))


class PassBatchForm(UnionBuyForm):
    year = forms.IntegerField(
        min_value=2000,
        max_value=2100,
        error_messages={"required": _("请填写年度。"), "invalid": _("请填写年度。")},
    )
    price = forms.CharField(max_length=20, required=False)
    person_ids = forms.CharField(max_length=5000, required=False)

    def clean_person_ids(self) -> list[int]:
        return _ids(self.cleaned_data.get("person_ids", ""))

    def price_fen(self) -> int:
        return parse_yuan(self.cleaned_data.get("price") or "0", field="price_fen")


class StatementBuildForm(forms.Form):
    merchant = forms.IntegerField(
        error_messages={"required": _("请选择商户。"), "invalid": _("请选择商户。")}
    )
    start = forms.DateField(
        error_messages={"required": _("请填写起始日。"), "invalid": _("请填写有效的日期。")}
    )
    end = forms.DateField(
        error_messages={"required": _("请填写截止日。"), "invalid": _("请填写有效的日期。")}
    )


class PayoutForm(forms.Form):
    reference = forms.CharField(label=_("银行流水号"), max_length=64, required=False)


class SessionForm(forms.Form):
    """A new session of a product (the API's messages for a bad time or number)."""

    starts_at = forms.DateTimeField(
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        error_messages={"required": _("此项为必填。"), "invalid": _("请填写有效的日期或时间。")},
    )
    capacity = forms.IntegerField(required=False, error_messages={"invalid": _("请填写有效的数字。")})
    label = forms.CharField(max_length=80, required=False)
    seat_layout = forms.CharField(max_length=20000, required=False)


class PictureForm(forms.Form):
    """The picture's checks (type, size, pixels) are the service's; the form only takes the file."""

    image = forms.FileField(required=False)


class StaffAddForm(forms.Form):
    login = forms.CharField(max_length=150, required=False)
    role = forms.ChoiceField(choices=[], required=False)

    def __init__(self, *args: Any, roles: list[tuple[str, Any]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        role_field = self.fields["role"]
        assert isinstance(role_field, forms.ChoiceField)
        role_field.choices = roles or []


class StaffRoleForm(forms.Form):
    role = forms.CharField(max_length=16, required=False)


class _ListField(forms.Field):
    """Every value of a repeated field (``seat``, ``holder_name``), as strings."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: Any) -> list[str]:
        if not value:
            return []
        values = value if isinstance(value, list | tuple) else [value]
        return [str(v) for v in values][:50]


class BookForm(forms.Form):
    """The H5 booking form (session, quantity or chosen seats, holders, idempotency key). Every
    rule is ``order_place``'s, with its Chinese field errors (the same as ``POST /orders``)."""

    session = forms.IntegerField(required=False, min_value=1)
    quantity = forms.IntegerField(required=False)
    seat = _ListField(required=False)
    holder_name = _ListField(required=False)
    idempotency_key = forms.CharField(max_length=200, required=False, strip=False)


class RefundForm(forms.Form):
    """申请退款, sent from the confirmation page: the amount the buyer saw (``order_refund``
    refuses when the rules now give another) and an optional reason."""

    expected_fen = forms.IntegerField(min_value=0)
    reason = forms.CharField(max_length=200, required=False)


class MerchantApplyForm(forms.Form):
    """商户入驻申请: the fields ``merchant_apply`` takes; its checks name the fields in Chinese."""

    name = forms.CharField(max_length=200, required=False)
    kind = forms.CharField(max_length=16, required=False)
    uscc = forms.CharField(max_length=40, required=False)
    district = forms.CharField(max_length=40, required=False)
    address = forms.CharField(max_length=200, required=False)
    contact_name = forms.CharField(max_length=64, required=False)
    contact_phone = forms.CharField(max_length=40, required=False)
    intro = forms.CharField(max_length=2000, required=False)


class ProductForm(forms.Form):
    """A merchant's product (new or edited). The rules and their Chinese messages are
    ``product_save``'s (the API's); the form shapes the input and turns yuan into fen."""

    kind = forms.CharField(max_length=16, required=False)
    title = forms.CharField(max_length=200, required=False)
    summary = forms.CharField(max_length=400, required=False)
    description = forms.CharField(max_length=20000, required=False)
    district = forms.CharField(max_length=40, required=False)
    list_price = forms.CharField(max_length=20, required=False)
    member_price = forms.CharField(max_length=20, required=False)
    limit_per_day = forms.CharField(max_length=10, required=False)
    limit_per_year = forms.CharField(max_length=10, required=False)
    refund_rule = forms.CharField(max_length=8, required=False)
    refund_cutoff_hours = forms.CharField(max_length=10, required=False)
    refund_fee_bp = forms.CharField(max_length=10, required=False)
    admit_before_minutes = forms.CharField(max_length=10, required=False)
    admit_after_minutes = forms.CharField(max_length=10, required=False)
    members_only = forms.BooleanField(required=False)

    def service_data(self) -> dict[str, Any]:
        """What ``product_save`` takes; raises ValidationFailed naming the price field."""
        data = {k: v for k, v in self.cleaned_data.items() if k not in ("list_price", "member_price")}
        data["list_price_fen"] = parse_yuan(
            self.cleaned_data.get("list_price") or "0", field="list_price_fen"
        )
        data["member_price_fen"] = parse_yuan(
            self.cleaned_data.get("member_price") or "0", field="member_price_fen"
        )
        return data


class SimPayForm(forms.Form):
    """The simulated gateway's pay page: pay, or fail the payment (development and tests)."""

    outcome = forms.CharField(label=_("结果"), required=False)

    def clean_outcome(self) -> str:
        return "failed" if self.cleaned_data.get("outcome") == "failed" else "succeeded"
