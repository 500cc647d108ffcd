"""An order's life (SPEC §3.3, §3.5): quoted → purchasing → purchased | failed, and a
purchased label can be refunded."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
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

# How long after purchase a carrier accepts a void (SPEC §3.5), by carrier code; ShipStation
# sells USPS labels as "stamps_com".
DEFAULT_REFUND_WINDOW_DAYS = {"usps": 28, "stamps_com": 28, "ups": 90, "fedex": 90}


@dataclass(frozen=True)
class RefundWindows:
    days: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_REFUND_WINDOW_DAYS))

    def deadline(self, carrier_code: str, purchased_at: datetime) -> datetime:
        """The last moment a void may be asked for; a carrier not listed gets the shortest."""
        days = self.days.get(carrier_code, min(self.days.values(), default=0))
        return purchased_at + timedelta(days=days)


def can_move(current: str, target: OrderStatus) -> bool:
    return target in _NEXT.get(OrderStatus(current), set())


class RefundState(StrEnum):
    """Where a refund request stands: the carrier's answer, then the shop's decision on a
    refusal (SPEC §4)."""

    APPROVED = "approved"
    REFUSED = "refused"  # refused by the carrier, not decided yet
    GOODWILL = "goodwill"  # refused, then credited by the shop anyway
    CLOSED = "closed"  # refused, and the refusal stands

    @classmethod
    def of(cls, carrier_status: str, decision: str | None) -> RefundState:
        return cls(decision) if decision else cls(carrier_status)


@dataclass(frozen=True)
class RefundSummary:
    """A refund request as its user is shown it."""

    order_id: str
    requested_at: datetime
    state: RefundState
    credited_cents: int  # what came back on the balance, by the carrier's void or goodwill
    carrier_message: str
    note: str  # the operator's note on a decision


DEFAULT_REFUND_WINDOWS = RefundWindows()
