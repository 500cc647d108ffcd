"""How much of what a payment provider reports is credited (SPEC §3.4, G5).

A signed report is trusted to say what arrived, not to be sane: a provider's bug or a misread
field could report $1,000,000,000 for a $25 invoice. So an invoice credits at most its amount
plus a small tolerance; whatever arrives above that is held for the operator's review.
"""

from __future__ import annotations

from decimal import Decimal
from typing import NamedTuple

from shipbot.domain.money import round_cents

INVOICE_CURRENCY = "USD"  # every invoice is opened in it; the invoices table stores none
MAX_CENTS = 2**63 - 1  # what a BIGINT column holds: a report beyond it cannot be recorded

# Crypto payments overshoot a little: wallets round the coin amount up to their precision and
# the rate moves between the quote and the confirmation; that stays well within 2 % on any
# invoice we open ($10 – $10,000). The $1 floor keeps one rounding step of a coarse coin on a
# $10 invoice from being held. Capped like this, a faulty report credits at most $200 extra.
TOLERANCE_PERCENT = Decimal(2)
TOLERANCE_FLOOR_CENTS = 100


class Split(NamedTuple):
    credit_cents: int  # what the invoice may credit in all
    held_cents: int  # what arrived above that, for the operator


def credit_limit(amount_cents: int) -> int:
    """The most an invoice of `amount_cents` credits: its amount plus max(2 %, $1)."""
    percent = round_cents(Decimal(amount_cents) * TOLERANCE_PERCENT / 100)
    return amount_cents + max(percent, TOLERANCE_FLOOR_CENTS)


def split_received(amount_cents: int, received_cents: int) -> Split:
    """What arrived in all on an invoice, as the part to credit and the part to hold."""
    credit = min(received_cents, credit_limit(amount_cents))
    return Split(credit, received_cents - credit)


def still_due(amount_cents: int, received_cents: int) -> int:
    """What an underpaid invoice still waits for."""
    return max(0, amount_cents - received_cents)
