"""What tourism declares: the 游巴蜀 tile and H5 entries, the platform and union-buyer pages in the
console's 一站享 section, the merchant workbench's own navigation, the ``merchant`` audience and
the merchant's landing (their workbench)."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from yugong.core import nav

from .access import PLATFORM_ROLES, UNION_BUYER_ROLES, merchant_ids
from .models import MerchantStaff


def _merchant(request: HttpRequest, roles: tuple[str, ...]) -> bool:
    """Staff of a merchant holding one of ``roles``; inside a merchant's pages, of that merchant."""
    ids = merchant_ids(getattr(request, "user", None), roles or None)
    current = (getattr(getattr(request, "resolver_match", None), "kwargs", None) or {}).get("merchant_id")
    if roles and current is not None:
        return current in ids
    return bool(ids)


nav.register_audience("merchant", _merchant)

PLATFORM = (nav.staff(*PLATFORM_ROLES),)
BUYERS = (nav.staff(*UNION_BUYER_ROLES),)
MERCHANT = (nav.merchant(),)
IN_MERCHANT = ("merchant_id",)

nav.register(
    nav.HomeTile(label=_("游巴蜀"), url_name="tourism:home", icon="tourism", order=40),
    nav.TabEntry(
        tab="services",
        label=_("游巴蜀"),
        url_name="tourism:home",
        order=20,
        description=_("演出、景区会员价与年票"),
    ),
    nav.TabEntry(
        tab="services",
        label=_("我的门票"),
        url_name="tourism:my_tickets",
        order=30,
        description=_("已购门票与入场码"),
        login_required=True,
    ),
    nav.TabEntry(
        tab="services",
        label=_("我的年票"),
        url_name="tourism:my_pass",
        order=40,
        description=_("年票入园码与使用记录"),
        login_required=True,
    ),
    nav.ConsolePage(
        section="services", label=_("文旅商户"), url_name="tourism:p_merchants", order=30, audience=PLATFORM
    ),
    nav.ConsolePage(
        section="services", label=_("产品审核"), url_name="tourism:p_products", order=40, audience=PLATFORM
    ),
    nav.ConsolePage(
        section="services", label=_("团体订票"), url_name="tourism:u_groups", order=50, audience=BUYERS
    ),
    nav.ConsolePage(
        section="services", label=_("年票"), url_name="tourism:u_passes", order=60, audience=BUYERS
    ),
    nav.ConsolePage(
        section="services",
        label=_("年票景点审核"),
        url_name="tourism:p_pass_spots",
        order=65,
        audience=PLATFORM,
    ),
    nav.ConsolePage(
        section="services",
        label=_("结算对账"),
        url_name="tourism:p_settlement",
        order=70,
        audience=PLATFORM,
    ),
    # The merchant workbench: its home, then the pages of the merchant being viewed.
    nav.MerchantPage(label=_("我的商户"), url_name="tourism:m_home", order=10, audience=MERCHANT),
    nav.MerchantPage(
        label=_("产品与场次"),
        url_name="tourism:m_products",
        url_kwargs_from=IN_MERCHANT,
        order=20,
        audience=MERCHANT,
    ),
    nav.MerchantPage(
        label=_("订单"), url_name="tourism:m_orders", url_kwargs_from=IN_MERCHANT, order=30, audience=MERCHANT
    ),
    nav.MerchantPage(
        label=_("验票/年票核验"),
        url_name="tourism:m_scan",
        url_kwargs_from=IN_MERCHANT,
        order=40,
        audience=MERCHANT,
    ),
    nav.MerchantPage(
        label=_("年票景点"),
        url_name="tourism:m_pass_spots",
        url_kwargs_from=IN_MERCHANT,
        order=45,
        audience=MERCHANT,
    ),
    nav.MerchantPage(
        label=_("结算单"),
        url_name="tourism:m_statements",
        url_kwargs_from=IN_MERCHANT,
        order=50,
        audience=MERCHANT,
    ),
    nav.MerchantPage(
        label=_("员工账号"),
        url_name="tourism:m_staff",
        url_kwargs_from=IN_MERCHANT,
        order=60,
        audience=(nav.merchant(MerchantStaff.Role.OWNER),),
    ),
    # Merchant staff start on their workbench.
    nav.Landing(audience=MERCHANT, url_name="tourism:m_home", order=50),
)

# The worker home's "my things" (yugong/tourism/home.py).
nav.register(nav.HomeCard(provider="yugong.tourism.home.next_ticket", order=10))
