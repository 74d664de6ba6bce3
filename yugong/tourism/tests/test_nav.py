"""The merchant workbench's navigation (declared in tourism/nav.py): merchant staff see it and no
union console menu; the staff-accounts page shows only to an owner of the merchant being viewed."""

from __future__ import annotations

from django.urls import reverse

from yugong.tourism.models import MerchantStaff

from .factories import World


def test_merchant_staff_see_the_workbench_menu_only(client, world: World) -> None:
    client.force_login(world.merchant_staff)
    html = client.get(reverse("tourism:m_orders", args=[world.merchant.pk])).content.decode()
    assert 'data-testid="merchant-nav"' in html and 'data-testid="console-nav"' not in html
    assert reverse("tourism:m_scan", args=[world.merchant.pk]) in html


def test_the_staff_page_link_follows_the_role_at_the_merchant_being_viewed(client, world: World) -> None:
    # An owner of another merchant who is only a clerk here sees no staff-accounts link here.
    MerchantStaff.objects.create(merchant=world.other_merchant, user=world.merchant_staff, role="owner")
    MerchantStaff.objects.filter(merchant=world.merchant, user=world.merchant_staff).update(role="staff")
    client.force_login(world.merchant_staff)
    here = reverse("tourism:m_staff", args=[world.merchant.pk])
    there = reverse("tourism:m_staff", args=[world.other_merchant.pk])
    html = client.get(reverse("tourism:m_orders", args=[world.merchant.pk])).content.decode()
    assert f'href="{here}"' not in html
    html = client.get(reverse("tourism:m_orders", args=[world.other_merchant.pk])).content.decode()
    assert f'href="{there}"' in html
