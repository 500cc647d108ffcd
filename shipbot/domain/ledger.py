"""The balance ledger's vocabulary (SPEC G5): kinds of entries and their idempotency keys.

Every money movement is an entry with a key under a unique constraint, so whatever retries,
redeliveries or replays happen, each movement is applied once. A purchase holds the price,
then either captures it (the hold is released and the charge taken in one step) or releases
it; capture and release share one key, so only one of them can ever happen.
"""

from __future__ import annotations

from enum import StrEnum


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
