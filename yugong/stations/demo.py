"""Demo stations: about forty 渝工港湾 around 渝中区 and 江北区 (real places, approximate points
picked as GCJ-02 the way staff pick them on 高德, stored as WGS-84), varied hours (24 hours,
daytime, overnight for sanitation night shifts, holiday closures), amenities and honours. Idempotent:
stations are keyed by code."""

from __future__ import annotations

from typing import Any

from yugong.accounts.models import User
from yugong.orgs.models import Union

from . import geo
from .models import Amenity, Station, StationHonour
from .services import _facts_created, _index_changed

A = Amenity
SIX = A.HEATING | A.COOLING | A.WATER | A.TOILET | A.REST | A.FIRST_AID
PLACES = [
    # code suffix, name, district union code, district, address, GCJ-02 lat, lng
    ("YZ-01", "解放碑", "CQ-YZ", "渝中区", "解放碑步行街民族路", 29.5575, 106.5775),
    ("YZ-02", "朝天门", "CQ-YZ", "渝中区", "朝东路朝天门广场旁", 29.5640, 106.5870),
    ("YZ-03", "较场口", "CQ-YZ", "渝中区", "较场口中兴路", 29.5520, 106.5710),
    ("YZ-04", "七星岗", "CQ-YZ", "渝中区", "中山一路七星岗", 29.5560, 106.5560),
    ("YZ-05", "大坪", "CQ-YZ", "渝中区", "大坪正街", 29.5400, 106.5200),
    ("YZ-06", "两路口", "CQ-YZ", "渝中区", "中山三路两路口", 29.5530, 106.5450),
    ("YZ-07", "上清寺", "CQ-YZ", "渝中区", "中山四路上清寺", 29.5620, 106.5440),
    ("YZ-08", "化龙桥", "CQ-YZ", "渝中区", "虎头岩路化龙桥", 29.5700, 106.5230),
    ("YZ-09", "李子坝", "CQ-YZ", "渝中区", "李子坝正街", 29.5590, 106.5330),
    ("YZ-10", "菜园坝", "CQ-YZ", "渝中区", "菜袁路菜园坝", 29.5480, 106.5500),
    ("YZ-11", "储奇门", "CQ-YZ", "渝中区", "解放东路储奇门", 29.5530, 106.5800),
    ("YZ-12", "临江门", "CQ-YZ", "渝中区", "临江路临江门", 29.5620, 106.5720),
    ("YZ-13", "大溪沟", "CQ-YZ", "渝中区", "人民路大溪沟", 29.5670, 106.5500),
    ("YZ-14", "石油路", "CQ-YZ", "渝中区", "石油路", 29.5350, 106.5120),
    ("YZ-15", "鹅岭", "CQ-YZ", "渝中区", "长江二路鹅岭", 29.5500, 106.5300),
    ("YZ-16", "小什字", "CQ-YZ", "渝中区", "新华路小什字", 29.5600, 106.5830),
    ("YZ-17", "南纪门", "CQ-YZ", "渝中区", "南纪门正街", 29.5490, 106.5660),
    ("YZ-18", "佛图关", "CQ-YZ", "渝中区", "佛图关路", 29.5470, 106.5380),
    ("YZ-19", "黄花园", "CQ-YZ", "渝中区", "黄花园大桥桥头", 29.5640, 106.5620),
    ("YZ-20", "牛角沱", "CQ-YZ", "渝中区", "牛角沱", 29.5640, 106.5390),
    ("JB-01", "观音桥", "CQ-JB", "江北区", "观音桥步行街", 29.5750, 106.5330),
    ("JB-02", "江北嘴", "CQ-JB", "江北区", "江北城西大街", 29.5700, 106.5750),
    ("JB-03", "五里店", "CQ-JB", "江北区", "五里店", 29.5900, 106.5600),
    ("JB-04", "大石坝", "CQ-JB", "江北区", "大石坝", 29.5830, 106.5200),
    ("JB-05", "石马河", "CQ-JB", "江北区", "石马河", 29.5980, 106.5240),
    ("JB-06", "寸滩", "CQ-JB", "江北区", "寸滩", 29.6050, 106.6050),
    ("JB-07", "北滨路", "CQ-JB", "江北区", "北滨一路", 29.5720, 106.5500),
    ("JB-08", "建新北路", "CQ-JB", "江北区", "建新北路", 29.5780, 106.5400),
    ("JB-09", "红旗河沟", "CQ-JB", "江北区", "红旗河沟", 29.5950, 106.5350),
    ("JB-10", "郭家沱", "CQ-JB", "江北区", "郭家沱", 29.6100, 106.6600),
    ("JB-11", "铁山坪", "CQ-JB", "江北区", "铁山坪", 29.6000, 106.6500),
    ("JB-12", "猫儿石", "CQ-JB", "江北区", "猫儿石", 29.5870, 106.5200),
    ("JB-13", "港城", "CQ-JB", "江北区", "港城南路", 29.6150, 106.6150),
    ("JB-14", "溉澜溪", "CQ-JB", "江北区", "溉澜溪", 29.5800, 106.5750),
    ("JB-15", "华新街", "CQ-JB", "江北区", "华新街", 29.5800, 106.5450),
    ("JB-16", "花园新村", "CQ-JB", "江北区", "花园新村", 29.5870, 106.5420),
    ("JB-17", "大庆村", "CQ-JB", "江北区", "大庆村", 29.5700, 106.5400),
    ("JB-18", "五江路", "CQ-JB", "江北区", "五江路", 29.5790, 106.5650),
    ("JB-19", "江北城", "CQ-JB", "江北区", "江北城东大街", 29.5680, 106.5700),
    ("JB-20", "两江国际", "CQ-JB", "江北区", "两江国际", 29.5750, 106.5870),
]

ALL_DAY = {d: ["00:00-24:00"] for d in "1234567"}
DAYTIME = {**{d: ["08:00-20:00"] for d in "12345"}, "6": ["09:00-18:00"], "7": ["09:00-18:00"]}
NIGHT = {d: ["20:00-06:00"] for d in "1234567"}  # sanitation night shifts
SPLIT = {d: ["07:00-12:00", "13:30-21:00"] for d in "1234567"}
HOURS = [ALL_DAY, DAYTIME, ALL_DAY, NIGHT, SPLIT]
EXTRAS = [A.CHARGING, A.MICROWAVE, A.READING, A.RIGHTS_CONSULTATION]


def _amenities(i: int) -> int:
    mask = SIX if i % 4 else SIX & ~A.HEATING  # a few without heating
    if i % 7 == 3:
        mask &= ~A.WATER  # and a few without drinking water, so the filter matters
    for k, extra in enumerate(EXTRAS):
        if (i + k) % 3 == 0:
            mask |= extra
    return int(mask)


def seed(stdout: Any) -> None:
    unions = {u.code: u for u in Union.objects.filter(code__in=["CQ-YZ", "CQ-JB"])}
    if len(unions) < 2:
        stdout.write("demo stations: skipped (the demo union tree is missing)")
        return
    existing = set(Station.objects.filter(code__startswith="CQ-ST-").values_list("code", flat=True))
    created = 0
    for i, (suffix, place, union_code, district, address, glat, glng) in enumerate(PLACES):
        code = f"CQ-ST-{suffix}"
        if code in existing:
            continue
        lat, lng = geo.gcj02_to_wgs84(glat, glng)
        kind = Station.Kind.DEMONSTRATION if i % 6 == 0 else Station.Kind.HARBOUR
        station = Station.objects.create(
            code=code,
            name=f"{place}渝工港湾",
            kind=kind,
            union=unions[union_code],
            host=f"{place}街道办事处" if i % 2 else f"{district}环卫所",
            address=f"重庆市{district}{address}",
            district=district,
            lat=round(lat, 7),
            lng=round(lng, 7),
            hours=HOURS[i % len(HOURS)],
            holiday_hours=[] if i % 9 == 5 else None,
            amenities=_amenities(i),
            contact_name="站长",
            contact_phone=f"023-6{i:03d}{i:04d}"[:13],
            status=Station.Status.PAUSED if i == 38 else Station.Status.OPEN,
        )
        if i % 6 == 0:
            StationHonour.objects.get_or_create(
                station=station, year=2024, level=StationHonour.Level.DEMONSTRATION
            )
        if i in (0, 20):
            StationHonour.objects.get_or_create(
                station=station, year=2025, level=StationHonour.Level.CITY_BEAUTIFUL
            )
        _facts_created(station)
        created += 1
    keeper = User.objects.filter(username="yuzhong_staff").first()
    first = Station.objects.filter(code="CQ-ST-YZ-01").first()
    if keeper and first:
        first.keepers.add(keeper)
    if created:
        _index_changed()
    stdout.write(f"demo stations: {created} created, {len(PLACES)} in total")
