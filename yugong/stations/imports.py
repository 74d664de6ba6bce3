"""Station import from .xlsx: every row validated (coordinates inside the configured region, hours
well-formed, host union inside the importer's subtree, codes unique), errors reported by row and
column in Chinese; all-or-nothing by default (``partial=True`` imports the good rows only)."""

from __future__ import annotations

import io
from collections import Counter
from dataclasses import dataclass, field
from typing import IO, Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yugong.accounts.models import User
from yugong.core.audit import audit_record
from yugong.core.errors import ValidationFailed
from yugong.core.facts import fact_record
from yugong.orgs.access import MANAGE_ROLES, scope_filter
from yugong.orgs.models import Union

from . import geo
from .hours import HoursError, parse_hours_text, parse_spans_text
from .models import Amenity, Station, StationHonour
from .services import _index_changed, clean_station_data

MAX_ROWS = 20000

# (header, field)
COLUMNS: list[tuple[Any, str]] = [
    (gettext_lazy("站点编码"), "code"),
    (gettext_lazy("名称"), "name"),
    (gettext_lazy("类型"), "kind"),
    (gettext_lazy("主管工会编码"), "union"),
    (gettext_lazy("承办单位"), "host"),
    (gettext_lazy("地址"), "address"),
    (gettext_lazy("区县"), "district"),
    (gettext_lazy("纬度"), "lat"),
    (gettext_lazy("经度"), "lng"),
    (gettext_lazy("开放时间"), "hours"),
    (gettext_lazy("节假日开放时间"), "holiday_hours"),
    (gettext_lazy("服务设施"), "amenities"),
    (gettext_lazy("联系人"), "contact_name"),
    (gettext_lazy("联系电话"), "contact_phone"),
    (gettext_lazy("荣誉"), "honours"),
]
REQUIRED = {"code", "name", "union", "address", "district", "lat", "lng", "hours"}


@dataclass
class RowError:
    row: int
    column: str
    message: str


@dataclass
class ImportResult:
    created: int = 0
    errors: list[RowError] = field(default_factory=list)
    rows: int = 0


def template_xlsx() -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "stations"
    ws.append([str(h) for h, _f in COLUMNS])
    ws.append(
        [
            "CQ-YZ-0001",
            "解放碑渝工港湾",
            "渝工港湾",
            "T000001",
            "解放碑街道办事处",
            "渝中区民族路 100 号",
            "渝中区",
            29.557,
            106.5775,
            "1-5 08:00-20:00; 6-7 09:00-18:00",
            "休息",
            "取暖、纳凉、饮水、如厕、歇脚、药箱",
            "张三",
            "023-63000000",
            "2024 市级最美渝工港湾",
        ]
    )
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _kind(value: str) -> str | None:
    value = value.strip()
    for choice in Station.Kind:
        if value in (choice.value, str(choice.label)):
            return str(choice.value)
    if value in {"示范点", "劳动者港湾"}:
        return Station.Kind.DEMONSTRATION.value
    return None


_AMENITY_BY_LABEL = {str(a.label): a.name.lower() for a in Amenity}
_HONOUR_BY_LABEL = {str(level.label): level.value for level in StationHonour.Level}
_HONOUR_BY_LABEL.update(
    {"全国最美": "national_beautiful", "市级最美": "city_beautiful", "最美渝工港湾": "city_beautiful"}
)


def _amenities(value: str) -> list[str]:
    import re

    out = []
    for part in re.split(r"[,，、;；\s]+", value.strip()):
        if not part:
            continue
        key = _AMENITY_BY_LABEL.get(part, part.lower())
        out.append(key)
    return out


def _honours(value: str) -> list[tuple[int, str]]:
    import re

    out = []
    for part in re.split(r"[;；\n]+", value.strip()):
        part = part.strip()
        if not part:
            continue
        m = re.match(r"^(\d{4})\s*年?\s*(.+)$", part, re.ASCII)
        level = _HONOUR_BY_LABEL.get(m.group(2).strip()) if m else None
        if not m or level is None or not (2000 <= int(m.group(1)) <= 2100):
            raise ValueError(part)
        out.append((int(m.group(1)), level))
    return out


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def stations_import(
    *, actor: User, file: IO[bytes] | Any, coord: str = geo.GCJ02, partial: bool = False
) -> ImportResult:
    """Import stations. ``coord``: the system of the sheet's coordinates (points picked on 高德 or
    腾讯 maps are GCJ-02, the default; GPS readings are WGS-84)."""
    from openpyxl import load_workbook

    if coord not in geo.SYSTEMS:
        raise ValidationFailed(fields={"coord": _("坐标系应为 wgs84 或 gcj02。")})
    try:
        wb = load_workbook(file, read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - any unreadable upload is the same user error
        raise ValidationFailed(fields={"file": _("无法读取文件，请上传 .xlsx 格式的表格。")}) from None
    ws = wb.worksheets[0]
    rows = ws.iter_rows(values_only=True)
    header = [_cell(v) for v in next(rows, ())]
    labels = {str(h): f for h, f in COLUMNS}
    colmap: dict[str, int] = {}
    for i, name in enumerate(header):
        if name in labels:
            colmap[labels[name]] = i
    missing = [str(h) for h, f in COLUMNS if f in REQUIRED and f not in colmap]
    if missing:
        raise ValidationFailed(fields={"file": _("缺少列：%(cols)s。") % {"cols": "、".join(missing)}})
    column_label = {f: str(h) for h, f in COLUMNS}

    raw_rows: list[tuple[int, dict[str, str]]] = []
    for n, values in enumerate(rows, start=2):
        if n - 1 > MAX_ROWS:
            raise ValidationFailed(fields={"file": _("一次最多导入 %(n)s 行。") % {"n": MAX_ROWS}})
        cells = {f: _cell(values[i]) if i < len(values) else "" for f, i in colmap.items()}
        if not any(cells.values()):
            continue
        raw_rows.append((n, cells))
    wb.close()

    result = ImportResult(rows=len(raw_rows))
    union_codes = {c["union"] for _n, c in raw_rows if c.get("union")}
    unions = {
        u.code: u
        for u in scope_filter(
            Union.objects.filter(code__in=union_codes), actor, path_field="path", roles=MANAGE_ROLES
        )
    }
    codes = [c.get("code", "") for _n, c in raw_rows]
    existing = set(Station.objects.filter(code__in=[c for c in codes if c]).values_list("code", flat=True))
    seen: Counter[str] = Counter()
    good: list[tuple[Station, list[tuple[int, str]]]] = []
    for n, cells in raw_rows:
        errs: list[RowError] = []

        def err(fieldname: str, message: str, n: int = n, errs: list[RowError] = errs) -> None:
            errs.append(RowError(n, column_label.get(fieldname, fieldname), message))

        data: dict[str, Any] = {
            k: cells.get(k, "")
            for k in ("code", "name", "host", "address", "district", "contact_name", "contact_phone")
        }
        data["lat"], data["lng"] = cells.get("lat", ""), cells.get("lng", "")
        if cells.get("kind"):
            kind = _kind(cells["kind"])
            if kind is None:
                err("kind", _("类型应为：渝工港湾、劳动者港湾示范点或其他工会驿站。"))
            else:
                data["kind"] = kind
        try:
            data["hours"] = parse_hours_text(cells.get("hours", ""))
        except HoursError as exc:
            err("hours", str(exc))
            data["hours"] = {}
        if cells.get("holiday_hours"):
            try:
                data["holiday_hours"] = parse_spans_text(cells["holiday_hours"])
            except HoursError as exc:
                err("holiday_hours", str(exc))
        if cells.get("amenities"):
            data["amenities"] = _amenities(cells["amenities"])
        honours: list[tuple[int, str]] = []
        if cells.get("honours"):
            try:
                honours = _honours(cells["honours"])
            except ValueError as exc:
                err("honours", _("荣誉“%(v)s”应为“年度 荣誉名称”，如“2024 市级最美渝工港湾”。") % {"v": exc})
        union = unions.get(cells.get("union", ""))
        if not cells.get("union"):
            err("union", _("此项为必填。"))
        elif union is None:
            err("union", _("工会编码“%(c)s”不存在或不在您的管理范围内。") % {"c": cells["union"]})
        try:
            clean = clean_station_data(data, coord=coord)
        except ValidationFailed as exc:
            known = {e.column for e in errs}
            for key, messages in exc.fields.items():
                if column_label.get(key, key) in known:
                    continue
                for message in messages:
                    err(key, str(message))
            clean = None
        code = data["code"]
        if code:
            seen[code] += 1
            if code in existing:
                err("code", _("站点编码“%(c)s”已存在。") % {"c": code})
            elif seen[code] > 1:
                err("code", _("站点编码“%(c)s”在表格中重复。") % {"c": code})
        if errs or clean is None or union is None:
            result.errors += errs
            continue
        good.append((Station(union=union, **clean), honours))

    if result.errors and not partial:
        raise ValidationFailed(
            _("导入未执行：%(n)s 处错误，请修改后重新上传。") % {"n": len(result.errors)},
            fields={
                _("第%(row)s行 / %(col)s") % {"row": e.row, "col": e.column}: e.message for e in result.errors
            },
        )
    with transaction.atomic():
        created = Station.objects.bulk_create([s for s, _h in good], batch_size=1000)
        honours_rows = [
            StationHonour(station=s, year=y, level=lv)
            for s, (_obj, hs) in zip(created, good, strict=True)
            for y, lv in hs
        ]
        StationHonour.objects.bulk_create(honours_rows, batch_size=1000)
        facts: Counter[tuple[int, str]] = Counter()
        for s in created:
            facts[(s.union_id, f"kind:{s.kind}")] += 1
            facts[(s.union_id, f"district:{s.district}")] += 1
        for (union_id, dim), value in sorted(facts.items()):
            fact_record(metric="stations.created", union_id=union_id, dim=dim, value=value)
        audit_record(
            actor=actor,
            action="stations.station.import",
            union_id=created[0].union_id if created else None,
            extra={"created": len(created), "skipped_errors": len(result.errors), "coord": coord},
        )
        if created:
            _index_changed()
    result.created = len(created)
    return result
