"""An order's life (SPEC §3.3): quoted → purchasing → purchased | failed."""

from __future__ import annotations

from enum import StrEnum


class OrderStatus(StrEnum):
    QUOTED = "quoted"
    PURCHASING = "purchasing"
    PURCHASED = "purchased"
    FAILED = "failed"


_NEXT = {
    OrderStatus.QUOTED: {OrderStatus.PURCHASING},
    OrderStatus.PURCHASING: {OrderStatus.PURCHASED, OrderStatus.FAILED},
}


def can_move(current: str, target: OrderStatus) -> bool:
    return target in _NEXT.get(OrderStatus(current), set())
