"""System checks: production never takes money through the simulator, and a real gateway has its
keys. ``manage.py check --deploy`` and every management command (migrate, runserver) stop on them."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, register

WECHATPAY_REQUIRED = (
    "WECHATPAY_MCHID",
    "WECHATPAY_APPID",
    "WECHATPAY_SERIAL_NO",
    "WECHATPAY_PRIVATE_KEY",
    "WECHATPAY_APIV3_KEY",
    "WECHATPAY_PLATFORM_CERTS",
    "WECHATPAY_NOTIFY_URL",
)


@register()
def payment_gateway_check(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    errors: list[Error] = []
    gateway = getattr(settings, "PAYMENT_GATEWAY", "sim")
    if gateway not in ("sim", "wechatpay", "off"):
        errors.append(Error(f"PAYMENT_GATEWAY={gateway!r} is not a known gateway.", id="funds.E003"))
    if gateway == "sim" and not settings.DEBUG:
        errors.append(
            Error(
                "The simulated payment gateway is selected with DEBUG off.",
                hint="Set PAYMENT_GATEWAY=wechatpay and the WECHATPAY_* variables (yugong/funds/README.md).",
                id="funds.E001",
            )
        )
    if gateway == "wechatpay":
        missing = [name for name in WECHATPAY_REQUIRED if not getattr(settings, name, "")]
        if missing:
            errors.append(Error(f"WeChat Pay is selected but {', '.join(missing)} not set.", id="funds.E002"))
        elif len(str(settings.WECHATPAY_APIV3_KEY).encode()) != 32:
            errors.append(Error("WECHATPAY_APIV3_KEY must be 32 bytes.", id="funds.E002"))
    return errors
