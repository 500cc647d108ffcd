"""Shop settings for service tests: a 10 % markup and nothing else, as a fresh install has
them, to change with dataclasses.replace."""

from __future__ import annotations

from decimal import Decimal

from shipbot.domain.orders import DEFAULT_REFUND_WINDOW_DAYS
from shipbot.services.shop_settings import ShopSettings

SHOP = ShopSettings(
    markup_percent=Decimal(10),
    markup_flat_cents=0,
    minimum_cents=0,
    markup_by_carrier={},
    markup_by_service={},
    refund_window_days=DEFAULT_REFUND_WINDOW_DAYS,
    support_contact="@shipbot_support",
    quote_ttl_minutes=15,
)
