from __future__ import annotations

import io
from typing import Any

import pytest
from django.test import Client
from PIL import Image

from yugong.orgs import demo as orgs_demo
from yugong.tourism import demo
from yugong.tourism.models import Product, ProductPicture

pytestmark = pytest.mark.django_db


def test_demo_products_get_one_cover_each_and_stay_approved(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    orgs_demo.seed(io.StringIO())
    demo.seed(io.StringIO())
    demo.seed(io.StringIO())  # idempotent: no second cover
    products = list(Product.objects.all())
    assert products and all(p.status == "approved" for p in products)
    for product in products:
        pictures = list(ProductPicture.objects.filter(product=product))
        assert len(pictures) == 1
        with pictures[0].image.open("rb") as f, Image.open(f) as img:
            assert img.format == "PNG" and img.size == (640, 360) == (pictures[0].width, pictures[0].height)
    # The worker's list shows them as covers.
    page = Client().get("/tourism/").content.decode()
    assert page.count('data-testid="product-cover"') == min(
        len(products), page.count('data-testid="product"')
    )
    assert page.count('data-testid="product-cover"') > 0
