"""What the bot needs from a payment provider (SPEC §3.4, §6.2), and how it says what failed.

Two providers implement it: Oxapay (production) and the sandbox payment page (the default
without a merchant key). Amounts are integer cents of the invoice currency (USD).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol


class PaymentStatus(StrEnum):
    NEW = "new"
    WAITING = "waiting"
    PAYING = "paying"
    PAID = "paid"
    MANUAL_ACCEPT = "manual_accept"
    UNDERPAID = "underpaid"
    REFUNDING = "refunding"
    REFUNDED = "refunded"
    EXPIRED = "expired"

    @classmethod
    def parse(cls, value: str) -> PaymentStatus:
        """Oxapay's statuses compared case-insensitively ("Paid", "paid", "PAID")."""
        return cls(value.strip().lower())


@dataclass(frozen=True)
class InvoiceRequest:
    order_id: str  # our invoice id, echoed back in callbacks
    amount_cents: int
    callback_url: str
    return_url: str | None = None
    description: str = ""
    currency: str = "USD"
    lifetime_minutes: int = 60


@dataclass(frozen=True)
class CreatedInvoice:
    track_id: str
    payment_url: str
    expires_at: datetime


@dataclass(frozen=True)
class InvoiceState:
    track_id: str
    order_id: str | None
    status: PaymentStatus
    amount_cents: int  # what the invoice asked for
    received_cents: int  # what the provider reports as received, in the invoice currency
    currency: str = "USD"


class PaymentError(Exception):
    """A provider failure; `message` is safe to show."""

    def __init__(self, message: str = "") -> None:
        super().__init__(message)
        self.message = message


class PaymentUnavailable(PaymentError):
    """A timeout, a connection failure or a 5xx: worth trying again."""


class PaymentRejected(PaymentError):
    """The provider refused the request (bad key, bad amount, unknown invoice)."""


class PaymentProvider(Protocol):
    async def create_invoice(self, request: InvoiceRequest) -> CreatedInvoice: ...

    async def invoice_state(self, track_id: str) -> InvoiceState: ...

    async def accepted_currencies(self) -> list[str]:
        """The currencies payers may use; proves the provider answers to our key."""

    def verify_callback(self, raw_body: bytes, signature: str | None) -> bool:
        """True only for a body signed with the merchant key (constant-time compare)."""

    def parse_callback(self, raw_body: bytes) -> InvoiceState:
        """The invoice state a verified callback reports; ValueError if it is not one."""

    async def close(self) -> None: ...
