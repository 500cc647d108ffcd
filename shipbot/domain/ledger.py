"""The balance ledger's vocabulary (SPEC G5): kinds of entries and their idempotency keys.

Every money movement is an entry with a key under a unique constraint, so whatever retries,
redeliveries or replays happen, each movement is applied once. A purchase holds the price,
then either captures it (the hold is released and the charge taken in one step) or releases
it; capture and release share one key, so only one of them can ever happen.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol


class EntryKind(StrEnum):
    TOP_UP = "top_up"
    HOLD = "hold"
    HOLD_RELEASE = "hold_release"
    LABEL_CHARGE = "label_charge"
    REFUND = "refund"
    ADJUSTMENT = "adjustment"


def top_up_key(track_id: str) -> str:
    return f"top_up:{track_id}"


def hold_key(order_id: str) -> str:
    return f"hold:{order_id}"


def settle_key(order_id: str) -> str:
    """The one key of a hold's ending, captured or released."""
    return f"settle:{order_id}"


def charge_key(order_id: str) -> str:
    return f"charge:{order_id}"


def refund_key(refund_id: str) -> str:
    return f"refund:{refund_id}"


def adjustment_key(action_id: str) -> str:
    return f"adjustment:{action_id}"


def goodwill_key(refund_id: str) -> str:
    """A refused refund the operator credits anyway: once per refund, as an adjustment (the
    carrier kept its cost, so it is no `refund` entry; see services/refunds.py)."""
    return f"goodwill:{refund_id}"


def goodwill_label_key(order_id: str) -> str:
    """A label the operator gives a user: its price credited once per order, as an adjustment,
    right before the normal purchase holds and charges it (services/admin_labels.py)."""
    return f"goodwill_label:{order_id}"


def goodwill_reversal_key(order_id: str) -> str:
    """A goodwill label the carrier would not sell: its credit is taken back, once."""
    return f"goodwill_reversal:{order_id}"


_PURCHASE = {EntryKind.HOLD, EntryKind.HOLD_RELEASE, EntryKind.LABEL_CHARGE}


class Entry(Protocol):
    kind: str
    amount_cents: int
    reference: str
    created_at: datetime


class PurchaseOutcome(StrEnum):
    CHARGED = "charged"
    PENDING = "pending"  # held while the label is being bought
    CANCELLED = "cancelled"  # the hold was released: nothing was bought


@dataclass(frozen=True)
class StatementLine:
    """One line of a balance statement: a movement, or a label purchase as one line however
    many entries (hold, release, charge) it took."""

    kind: str  # an EntryKind; a purchase's is LABEL_CHARGE
    amount_cents: int  # 0 for a cancelled purchase
    reference: str  # a purchase's order id
    at: datetime
    outcome: PurchaseOutcome | None = None  # a purchase's


@dataclass
class _Purchase:
    at: datetime  # of its newest entry, where it stands in the statement
    amounts: dict[str, int]  # by entry kind

    def line(self, order_id: str) -> StatementLine:
        amounts = self.amounts
        if EntryKind.LABEL_CHARGE in amounts:
            outcome, cents = PurchaseOutcome.CHARGED, amounts[EntryKind.LABEL_CHARGE]
        elif EntryKind.HOLD_RELEASE in amounts:
            outcome, cents = PurchaseOutcome.CANCELLED, 0
        else:
            outcome, cents = PurchaseOutcome.PENDING, amounts[EntryKind.HOLD]
        return StatementLine(EntryKind.LABEL_CHARGE, cents, order_id, self.at, outcome)


def statement(entries: Iterable[Entry]) -> list[StatementLine]:
    """Entries newest first, as lines newest first. A purchase is told by its kinds, not by
    summing them, so a page that cuts off its older hold still shows it right."""
    items: list[Entry | str] = []  # a movement, or a purchase's order id
    purchases: dict[str, _Purchase] = {}
    for entry in entries:
        if entry.kind not in _PURCHASE:
            items.append(entry)
            continue
        if entry.reference not in purchases:
            purchases[entry.reference] = _Purchase(entry.created_at, {})
            items.append(entry.reference)
        purchases[entry.reference].amounts[entry.kind] = entry.amount_cents
    return [
        purchases[item].line(item)
        if isinstance(item, str)
        else StatementLine(item.kind, item.amount_cents, item.reference, item.created_at)
        for item in items
    ]
