"""Stations (渝工港湾): outdoor-worker service points, their keepers' records and workers' visits.

Coordinates are stored in WGS-84 (see :mod:`yugong.stations.geo` for why and for the conversions).
Amenities are a bitmask (:class:`Amenity`) so the nearest-station index filters them with one AND.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.validators import FileExtensionValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from yugong.orgs.models import Union


class Amenity(models.IntegerChoices):
    """冷可取暖、热可纳凉、渴可喝水、急可如厕、累可歇脚、伤可用药 — plus the common extras. Bit values."""

    HEATING = 1, _("取暖")
    COOLING = 2, _("纳凉")
    WATER = 4, _("饮水")
    TOILET = 8, _("如厕")
    REST = 16, _("歇脚")
    FIRST_AID = 32, _("药箱")
    CHARGING = 64, _("充电")
    MICROWAVE = 128, _("微波炉")
    READING = 256, _("阅读")
    RIGHTS_CONSULTATION = 512, _("维权咨询")


AMENITY_KEYS: dict[str, int] = {a.name.lower(): int(a.value) for a in Amenity}
STANDARD_AMENITIES = ("heating", "cooling", "water", "toilet", "rest", "first_aid")
ALL_AMENITIES_MASK = sum(AMENITY_KEYS.values())


def amenity_mask(keys: Any) -> int:
    """``["water", "toilet"]`` -> bitmask; unknown keys raise ``KeyError``."""
    mask = 0
    for key in keys or ():
        mask |= AMENITY_KEYS[str(key).strip().lower()]
    return mask


def amenity_keys(mask: int) -> list[str]:
    return [k for k, bit in AMENITY_KEYS.items() if mask & bit]


def amenity_labels(mask: int) -> list[str]:
    return [str(a.label) for a in Amenity if mask & a.value]


class Station(models.Model):
    class Kind(models.TextChoices):
        HARBOUR = "harbour", _("渝工港湾")
        DEMONSTRATION = "demonstration", _("劳动者港湾示范点")
        OTHER = "other", _("其他工会驿站")

    class Status(models.TextChoices):
        OPEN = "open", _("开放")
        PAUSED = "paused", _("暂停")
        CLOSED = "closed", _("关闭")

    code = models.CharField(_("站点编码"), max_length=24, unique=True, help_text=_("印在站点二维码上"))
    name = models.CharField(_("名称"), max_length=120)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices, default=Kind.HARBOUR)
    union = models.ForeignKey(
        Union, on_delete=models.PROTECT, related_name="stations", verbose_name=_("主管工会")
    )
    host = models.CharField(_("承办单位"), max_length=120, blank=True, help_text=_("用人单位或街道办事处"))
    address = models.CharField(_("地址"), max_length=200)
    district = models.CharField(_("区县"), max_length=40, db_index=True)
    # WGS-84 degrees (see geo.py).
    lat = models.FloatField(_("纬度（WGS-84）"))
    lng = models.FloatField(_("经度（WGS-84）"))
    hours = models.JSONField(_("每周开放时间"), default=dict)
    holiday_hours = models.JSONField(_("节假日开放时间"), null=True, blank=True)
    exception_dates = models.JSONField(_("例外日期"), default=dict, blank=True)
    amenities = models.PositiveIntegerField(_("服务设施"), default=0)
    contact_name = models.CharField(_("联系人"), max_length=40, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    status = models.CharField(_("状态"), max_length=8, choices=Status.choices, default=Status.OPEN)
    keepers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="kept_stations", verbose_name=_("站长/管理员")
    )
    visit_count = models.PositiveIntegerField(_("打卡人次"), default=0)
    rating_count = models.PositiveIntegerField(_("评价数"), default=0)
    rating_sum = models.PositiveIntegerField(_("评分合计"), default=0)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("站点")
        verbose_name_plural = _("站点")
        ordering = ["code"]
        indexes = [models.Index(fields=["status", "kind"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(lat__gte=-90, lat__lte=90, lng__gte=-180, lng__lte=180), name="station_coords"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    @property
    def rating(self) -> float | None:
        return round(self.rating_sum / self.rating_count, 1) if self.rating_count else None

    @property
    def amenity_list(self) -> list[str]:
        return amenity_keys(self.amenities)

    @property
    def amenity_names(self) -> list[str]:
        return amenity_labels(self.amenities)


class StationHonour(models.Model):
    class Level(models.TextChoices):
        NATIONAL_BEAUTIFUL = "national_beautiful", _("全国最美工会户外劳动者服务站点")
        CITY_BEAUTIFUL = "city_beautiful", _("市级最美渝工港湾")
        DEMONSTRATION = "demonstration", _("示范点")

    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="honours")
    year = models.PositiveSmallIntegerField(_("年度"), validators=[MinValueValidator(2000)])
    level = models.CharField(_("荣誉"), max_length=24, choices=Level.choices)

    class Meta:
        verbose_name = _("站点荣誉")
        verbose_name_plural = _("站点荣誉")
        ordering = ["-year", "level"]
        constraints = [
            models.UniqueConstraint(fields=["station", "year", "level"], name="station_honour_unique")
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.get_level_display()}"


class StationPhoto(models.Model):
    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="photos")
    image = models.FileField(
        _("照片"),
        upload_to="stations/%Y/",
        validators=[FileExtensionValidator(["jpg", "jpeg", "png", "webp"])],
    )
    caption = models.CharField(_("说明"), max_length=80, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("站点照片")
        verbose_name_plural = _("站点照片")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.caption or self.image.name


class CheckIn(models.Model):
    """A worker's visit, made by scanning the station QR. One per worker per station per hour: the
    service refuses a repeat within 60 minutes, and ``hour`` (hours since the epoch) is the
    database's last word when two scans race."""

    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="checkins")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField(_("打卡时间"), db_index=True)
    hour = models.BigIntegerField(editable=False)

    class Meta:
        verbose_name = _("打卡")
        verbose_name_plural = _("打卡")
        ordering = ["-at"]
        constraints = [
            models.UniqueConstraint(fields=["station", "user", "hour"], name="station_checkin_hourly"),
        ]
        indexes = [models.Index(fields=["station", "at"]), models.Index(fields=["user", "station", "at"])]

    def __str__(self) -> str:
        return f"{self.station_id}@{self.at:%Y-%m-%d %H:%M}"


class Feedback(models.Model):
    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="feedback")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    rating = models.PositiveSmallIntegerField(
        _("评分"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.CharField(_("意见"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("评价与意见")
        verbose_name_plural = _("评价与意见")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(rating__gte=1, rating__lte=5), name="station_feedback_rating")
        ]

    def __str__(self) -> str:
        return f"{self.station_id} ★{self.rating}"


class Inspection(models.Model):
    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="inspections")
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("检查人")
    )
    at = models.DateTimeField(_("检查时间"), auto_now_add=True)
    water_stocked = models.BooleanField(_("饮用水充足"))
    first_aid_in_date = models.BooleanField(_("药品在有效期内"))
    is_clean = models.BooleanField(_("环境整洁"))
    notes = models.CharField(_("备注"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("巡查记录")
        verbose_name_plural = _("巡查记录")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.station_id} {self.at:%Y-%m-%d}"

    @property
    def passed(self) -> bool:
        return self.water_stocked and self.first_aid_in_date and self.is_clean


class Issue(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("待处理")
        CLOSED = "closed", _("已关闭")

    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="issues")
    title = models.CharField(_("问题"), max_length=120)
    description = models.CharField(_("说明"), max_length=1000, blank=True)
    status = models.CharField(_("状态"), max_length=8, choices=Status.choices, default=Status.OPEN)
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    raised_at = models.DateTimeField(_("提出时间"), auto_now_add=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)
    resolution = models.CharField(_("处理结果"), max_length=1000, blank=True)

    class Meta:
        verbose_name = _("站点问题")
        verbose_name_plural = _("站点问题")
        ordering = ["status", "-raised_at", "-id"]

    def __str__(self) -> str:
        return self.title
