import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.helpers import UserFactory, grant, make_union
from yugong.core.models import AuditEvent
from yugong.stations import services

from .conftest import station_data

pytestmark = pytest.mark.django_db


def _png() -> bytes:
    # A 1x1 PNG made with the standard library only (Pillow validates it on upload).
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    raw = b"\x00\xff\x00\x00"
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def test_staff_add_honours_keepers_and_photos_from_the_console(client, city, staff) -> None:  # type: ignore[no-untyped-def]
    station = services.station_create(actor=staff, union=city, data=station_data(1))
    keeper = UserFactory(phone="13912340000")
    client.force_login(staff)
    page = client.get(reverse("stations:console_detail", args=[station.pk])).content.decode()
    assert "荣誉、看护人与照片" in page

    r = client.post(
        reverse("stations:console_honour", args=[station.pk]), {"year": 2025, "level": "city_beautiful"}
    )
    assert r.status_code == 302
    assert station.honours.filter(year=2025, level="city_beautiful").exists()

    client.post(reverse("stations:console_keeper", args=[station.pk]), {"phone": "139 1234 0000"})
    assert station.keepers.filter(pk=keeper.pk).exists()
    r = client.post(
        reverse("stations:console_keeper", args=[station.pk]), {"phone": "13700000000"}, follow=True
    )
    assert "还没有在平台登录过" in r.content.decode()

    upload = SimpleUploadedFile("p.png", _png(), content_type="image/png")
    client.post(reverse("stations:console_photo", args=[station.pk]), {"image": upload, "caption": "门口"})
    assert station.photos.count() == 1
    r = client.post(
        reverse("stations:console_photo", args=[station.pk]),
        {"image": SimpleUploadedFile("x.png", io.BytesIO(b"not an image").read(), content_type="image/png")},
        follow=True,
    )
    assert station.photos.count() == 1 and "照片" in r.content.decode()
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"stations.honour.add", "stations.keeper.add", "stations.photo.add"} <= actions


def test_outside_the_subtree_is_not_found(client, city, staff) -> None:  # type: ignore[no-untyped-def]
    other = make_union(city, kind="district", name="江北区总工会")
    station = services.station_create(actor=staff, union=other, data=station_data(2))
    outsider = UserFactory(is_staff=True)
    grant(outsider, make_union(city, kind="district", name="渝中区总工会"), "staff")
    client.force_login(outsider)
    r = client.post(
        reverse("stations:console_honour", args=[station.pk]), {"year": 2025, "level": "demonstration"}
    )
    assert r.status_code == 404
    assert not station.honours.exists()
