from __future__ import annotations

import json
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from yugong.core.districts import district_geometry, district_names

from . import geo
from .hours import HoursError, hours_text, parse_hours_text, parse_spans_text
from .models import Amenity, Station, StationHonour, amenity_keys

AMENITY_CHOICES = [(a.name.lower(), a.label) for a in Amenity]
COORD_CHOICES = [("gcj02", _("GCJ-02（高德/腾讯地图拾取）")), ("wgs84", _("WGS-84（GPS）"))]


class StationForm(forms.Form):
    union_code = forms.CharField(label=_("主管工会编码"), max_length=32)
    code = forms.CharField(label=_("站点编码"), max_length=24)
    name = forms.CharField(label=_("名称"), max_length=120)
    kind = forms.ChoiceField(label=_("类型"), choices=Station.Kind.choices)
    host = forms.CharField(label=_("承办单位"), max_length=120, required=False)
    address = forms.CharField(label=_("地址"), max_length=200)
    district = forms.CharField(label=_("区县"), max_length=40)
    coord = forms.ChoiceField(label=_("坐标系"), choices=COORD_CHOICES, initial="gcj02")
    lat = forms.FloatField(label=_("纬度"), min_value=-90, max_value=90)
    lng = forms.FloatField(label=_("经度"), min_value=-180, max_value=180)
    hours = forms.CharField(
        label=_("开放时间"),
        max_length=300,
        help_text=_("如“1-5 08:00-20:00; 6-7 09:00-18:00”、“每天 20:00-06:00”或“全天”"),
    )
    holiday_hours = forms.CharField(
        label=_("节假日开放时间"),
        max_length=120,
        required=False,
        help_text=_("留空则同平日；“休息”表示节假日不开放"),
    )
    amenities = forms.MultipleChoiceField(
        label=_("服务设施"), choices=AMENITY_CHOICES, widget=forms.CheckboxSelectMultiple, required=False
    )
    contact_name = forms.CharField(label=_("联系人"), max_length=40, required=False)
    contact_phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    status = forms.ChoiceField(label=_("状态"), choices=Station.Status.choices, initial="open")

    def clean_hours(self) -> dict[str, list[str]]:
        try:
            return parse_hours_text(self.cleaned_data["hours"])
        except HoursError as exc:
            raise forms.ValidationError(str(exc)) from None

    def clean_holiday_hours(self) -> list[str] | None:
        try:
            return parse_spans_text(self.cleaned_data.get("holiday_hours", ""))
        except HoursError as exc:
            raise forms.ValidationError(str(exc)) from None

    @classmethod
    def initial_for(cls, station: Station) -> dict[str, Any]:
        return {
            "union_code": station.union.code,
            "code": station.code,
            "name": station.name,
            "kind": station.kind,
            "host": station.host,
            "address": station.address,
            "district": station.district,
            "coord": "wgs84",
            "lat": station.lat,
            "lng": station.lng,
            "hours": hours_text(station.hours),
            "holiday_hours": ""
            if station.holiday_hours is None
            else (",".join(station.holiday_hours) or "休息"),
            "amenities": amenity_keys(station.amenities),
            "contact_name": station.contact_name,
            "contact_phone": station.contact_phone,
            "status": station.status,
        }


class ImportForm(forms.Form):
    file = forms.FileField(label=_("站点表格（.xlsx）"))
    coord = forms.ChoiceField(label=_("表中坐标的坐标系"), choices=COORD_CHOICES, initial="gcj02")
    partial = forms.BooleanField(label=_("跳过有错误的行，只导入正确的行"), required=False)


class InspectionForm(forms.Form):
    water_stocked = forms.BooleanField(label=_("饮用水充足"), required=False)
    first_aid_in_date = forms.BooleanField(label=_("药品在有效期内"), required=False)
    is_clean = forms.BooleanField(label=_("环境整洁"), required=False)
    notes = forms.CharField(label=_("备注"), max_length=500, required=False)


class IssueForm(forms.Form):
    title = forms.CharField(label=_("问题"), max_length=120)
    description = forms.CharField(
        label=_("说明"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class IssueCloseForm(forms.Form):
    resolution = forms.CharField(
        label=_("处理结果"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class FeedbackForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("评分"), choices=[(i, "★" * i) for i in range(5, 0, -1)], coerce=int, initial=5
    )
    comment = forms.CharField(
        label=_("意见"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class CoverageForm(forms.Form):
    district = forms.ChoiceField(label=_("区县（在地图上点选）"), required=False)
    region = forms.CharField(
        label=_("或：分析区域（GeoJSON 面，WGS-84）"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2_000_000,
        required=False,
    )
    cell_m = forms.IntegerField(label=_("网格边长（米）"), min_value=10, max_value=5000, initial=100)
    minutes = forms.IntegerField(label=_("步行分钟"), min_value=1, max_value=120, initial=15)
    k = forms.IntegerField(label=_("规划新增站点数"), min_value=0, max_value=500, initial=10)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", _("（自定义区域）")), *((n, n) for n in district_names())]
        self.fields["district"].choices = choices  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        """The region analysed: the district picked on the map (its boundary from the offline
        district file), else the pasted GeoJSON."""
        data = super().clean() or {}
        name = data.get("district") or ""
        if name:
            data["region"] = json.dumps(district_geometry(name), ensure_ascii=False)
        elif not (data.get("region") or "").strip():
            self.add_error("region", _("请在地图上点选区县，或粘贴 GeoJSON 区域。"))
        return data


class HonourForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    level = forms.ChoiceField(label=_("荣誉"), choices=StationHonour.Level.choices)


class KeeperForm(forms.Form):
    phone = forms.CharField(label=_("看护人手机号"), max_length=20, help_text=_("须是已在平台登录过的用户。"))


class PhotoForm(forms.Form):
    image = forms.ImageField(label=_("照片"))
    caption = forms.CharField(label=_("说明"), max_length=80, required=False)


def _coordinate(value: str | None, bound: float) -> float | None:
    try:
        f = float(value or "")
    except ValueError:
        return None
    return f if -bound <= f <= bound else None


class CheckinForm(forms.Form):
    """The check-in tap: the QR's token and, when the phone gives one, its position. Nothing here
    refuses: a missing or unreadable position is no position (the service decides whether one is
    required)."""

    t = forms.CharField(required=False, strip=False)
    coord = forms.CharField(required=False)
    lat = forms.CharField(required=False)
    lng = forms.CharField(required=False)

    def clean_coord(self) -> str:
        coord = self.cleaned_data.get("coord") or geo.WGS84
        return coord if coord in geo.SYSTEMS else geo.WGS84

    def clean_lat(self) -> float | None:
        return _coordinate(self.cleaned_data.get("lat"), 90)

    def clean_lng(self) -> float | None:
        return _coordinate(self.cleaned_data.get("lng"), 180)
