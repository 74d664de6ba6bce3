import io

import pytest
from openpyxl import Workbook

from tests.helpers import UserFactory, grant, make_union
from yugong.core.errors import ValidationFailed
from yugong.core.facts import fact_total
from yugong.stations.imports import COLUMNS, stations_import, template_xlsx
from yugong.stations.models import Station, StationHonour

pytestmark = pytest.mark.django_db

HEADER = [str(h) for h, _f in COLUMNS]


def row(code: str, union: str, **kw: object) -> list[object]:
    base = {
        "code": code,
        "name": f"港湾{code}",
        "kind": "渝工港湾",
        "union": union,
        "host": "街道办",
        "address": "民族路 1 号",
        "district": "渝中区",
        "lat": 29.5575,
        "lng": 106.5775,
        "hours": "1-5 08:00-20:00; 6-7 09:00-18:00",
        "holiday_hours": "",
        "amenities": "饮水、如厕、歇脚",
        "contact_name": "",
        "contact_phone": "",
        "honours": "",
    }
    base.update(kw)
    return [base[f] for _h, f in COLUMNS]


def xlsx(rows: list[list[object]]) -> io.BytesIO:
    wb = Workbook()
    ws = wb.active
    ws.append(HEADER)
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    return out


@pytest.fixture
def district(city):  # type: ignore[no-untyped-def]
    return make_union(city, kind="district", name="渝中区总工会")


@pytest.fixture
def importer(district):  # type: ignore[no-untyped-def]
    user = UserFactory()
    grant(user, district, "staff")
    return user


def test_good_file_imports_everything(importer, district) -> None:  # type: ignore[no-untyped-def]
    f = xlsx(
        [
            row("A1", district.code, honours="2024 市级最美渝工港湾; 2025 示范点"),
            row("A2", district.code, kind="劳动者港湾示范点", hours="全天", holiday_hours="休息"),
        ]
    )
    result = stations_import(actor=importer, file=f, coord="wgs84")
    assert (result.created, result.errors) == (2, [])
    a2 = Station.objects.get(code="A2")
    assert a2.kind == "demonstration" and a2.holiday_hours == [] and a2.hours["7"] == ["00:00-24:00"]
    assert StationHonour.objects.filter(station__code="A1").count() == 2
    assert fact_total(metric="stations.created", dim="kind:harbour") == 1


def test_bad_rows_name_row_and_column_and_nothing_is_written(importer, district, city) -> None:  # type: ignore[no-untyped-def]
    other = make_union(city, kind="district")
    f = xlsx(
        [
            row("B1", district.code),
            row("B2", district.code, lat=39.9, lng=116.4),  # Beijing: outside the region
            row("B3", district.code, hours="1-5 08:00"),
            row("B1", district.code),  # duplicate code
            row("B5", other.code),  # outside the importer's subtree
            row("B6", district.code, amenities="桑拿"),
            row("B7", district.code, kind="加油站", honours="去年 最美"),
        ]
    )
    with pytest.raises(ValidationFailed) as exc:
        stations_import(actor=importer, file=f, coord="wgs84")
    fields = exc.value.fields
    assert "第3行 / 纬度" in fields
    assert "第4行 / 开放时间" in fields
    assert "第5行 / 站点编码" in fields
    assert "第6行 / 主管工会编码" in fields
    assert "第7行 / 服务设施" in fields
    assert "第8行 / 类型" in fields and "第8行 / 荣誉" in fields
    assert "第2行 / 站点编码" not in fields
    assert Station.objects.count() == 0


def test_partial_import_skips_bad_rows(importer, district) -> None:  # type: ignore[no-untyped-def]
    f = xlsx([row("C1", district.code), row("C2", district.code, lat="abc")])
    result = stations_import(actor=importer, file=f, coord="wgs84", partial=True)
    assert result.created == 1 and [(e.row, e.column) for e in result.errors] == [(3, "纬度")]


def test_missing_columns_and_garbage(importer) -> None:  # type: ignore[no-untyped-def]
    wb = Workbook()
    wb.active.append(["名称"])
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    with pytest.raises(ValidationFailed) as exc:
        stations_import(actor=importer, file=out)
    assert "缺少列" in exc.value.fields["file"][0]
    with pytest.raises(ValidationFailed):
        stations_import(actor=importer, file=io.BytesIO(b"not a spreadsheet"))


def test_template_round_trips(importer, district) -> None:  # type: ignore[no-untyped-def]
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(template_xlsx()))
    ws = wb.active
    ws["D2"] = district.code
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    result = stations_import(actor=importer, file=out)  # GCJ-02 by default
    assert result.created == 1
