"""An order's life (SPEC §3.3, §3.5): quoted → purchasing → purchased | failed, and a
purchased label can be refunded."""

from __future__ import annotations

from enum import StrEnum


class OrderStatus(StrEnum):
    QUOTED = "quoted"
    PURCHASING = "purchasing"
    PURCHASED = "purchased"
    FAILED = "failed"
    REFUNDED = "refunded"


_NEXT = {
    OrderStatus.QUOTED: {OrderStatus.PURCHASING},
    OrderStatus.PURCHASING: {OrderStatus.PURCHASED, OrderStatus.FAILED},
    OrderStatus.PURCHASED: {OrderStatus.REFUNDED},
}

# How long after purchase a carrier accepts a void (SPEC §3.5).
REFUND_WINDOW_DAYS = {"usps": 28, "ups": 90, "fedex": 90}


def can_move(current: str, target: OrderStatus) -> bool:
    return target in _NEXT.get(OrderStatus(current), set())
