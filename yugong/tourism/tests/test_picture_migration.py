"""The data migration that records the width and height of pictures stored before they were
recorded (0007): read from the stored files, tolerant of missing or unreadable ones."""

from __future__ import annotations

import importlib
import io

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image

from yugong.tourism.models import ProductPicture

from .factories import World

pytestmark = pytest.mark.django_db

migration = importlib.import_module("yugong.tourism.migrations.0007_picture_renditions")


def test_old_pictures_get_their_size_from_the_stored_file(world: World) -> None:
    buf = io.BytesIO()
    Image.new("RGB", (300, 200), (10, 20, 30)).save(buf, format="PNG")
    name = default_storage.save(f"tourism/products/{world.product.pk}/old.png", ContentFile(buf.getvalue()))
    stored = ProductPicture.objects.create(product=world.product, image=name, format="PNG")
    missing = ProductPicture.objects.create(
        product=world.product, image=f"tourism/products/{world.product.pk}/gone.png", format="PNG"
    )
    broken_name = default_storage.save(f"tourism/products/{world.product.pk}/bad.png", ContentFile(b"nope"))
    broken = ProductPicture.objects.create(product=world.product, image=broken_name, format="PNG")
    known = ProductPicture.objects.create(
        product=world.product, image=name, format="PNG", width=640, height=360
    )

    migration.measure_pictures(apps, None)

    sizes = {p.pk: (p.width, p.height) for p in ProductPicture.objects.all()}
    assert sizes[stored.pk] == (300, 200)
    assert sizes[missing.pk] == (0, 0) and sizes[broken.pk] == (0, 0)  # left as they were
    assert sizes[known.pk] == (640, 360)  # already recorded: not touched
