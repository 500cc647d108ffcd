"""What the bot needs from a carrier provider, and how a provider says what went wrong.

Two providers implement it: ShipStation API v2 (production) and the sandbox carrier (the
default without an API key). Amounts are integer cents; weights ounces; sizes inches.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Protocol

from shipbot.domain.address import Address
from shipbot.domain.parcel import Dimensions


@dataclass(frozen=True)
class Shipment:
    ship_from: Address
    ship_to: Address
    ounces: Decimal
    dimensions: Dimensions
    # US carriers price residential deliveries higher; we assume a home unless a company is named.
    residential: bool = True


@dataclass(frozen=True)
class CheckedAddress:
    """The recipient as the carrier would deliver to it: its standard form of the address
    (the one sent when it had nothing to correct) and whether it is a home."""

    address: Address
    residential: bool | None  # None: the carrier could not tell


@dataclass(frozen=True)
class CarrierService:
    carrier_id: str  # the provider's id of the carrier account ("se-123456")
    carrier_code: str  # "usps" | "ups" | "fedex"
    carrier_name: str  # "USPS"
    service_code: str  # "usps_priority_mail"
    service_name: str  # "USPS Priority Mail"


@dataclass(frozen=True)
class CarrierAccount:
    """A carrier account connected at the provider, with its prepaid balance when the carrier
    keeps one (USPS through Stamps.com does; a UPS or FedEx account billed by invoice does not)."""

    carrier_id: str
    carrier_code: str
    name: str
    balance_cents: int | None


@dataclass(frozen=True)
class Rate:
    rate_id: str
    service: CarrierService
    shipping_cents: int
    insurance_cents: int = 0
    confirmation_cents: int = 0
    other_cents: int = 0
    delivery_days: int | None = None
    estimated_delivery: date | None = None

    @property
    def total_cents(self) -> int:
        """What the carrier charges: the base of our price (SPEC §3.2)."""
        charges = (self.shipping_cents, self.insurance_cents, self.confirmation_cents)
        return sum(charges) + self.other_cents


@dataclass(frozen=True)
class PurchasedLabel:
    label_id: str
    tracking_number: str
    service: CarrierService
    cost_cents: int
    pdf: bytes  # downloaded at purchase: carriers' links expire


@dataclass(frozen=True)
class VoidResult:
    approved: bool
    message: str


@dataclass(frozen=True)
class TrackingEvent:
    occurred_at: datetime
    description: str
    city: str = ""
    state: str = ""


@dataclass(frozen=True)
class Tracking:
    tracking_number: str
    # "label_created" | "in_transit" | "out_for_delivery" | "delivered" | "exception"
    status: str
    status_description: str
    events: tuple[TrackingEvent, ...] = field(default_factory=tuple)  # newest first
    estimated_delivery: date | None = None


class CarrierError(Exception):
    """A provider failure the bot explains to the user; `message` is safe to show."""

    def __init__(self, message: str = "") -> None:
        super().__init__(message)
        self.message = message


class InvalidAddress(CarrierError):
    """The carrier rejected an address; `message` is the carrier's own reason."""


class NoRates(CarrierError):
    """No service can carry this shipment (too heavy, too large, nothing between these ZIPs)."""


class CarrierUnavailable(CarrierError):
    """A timeout, a connection failure or a 5xx: worth trying again later."""


class PurchaseStateUnknown(CarrierUnavailable):
    """The purchase may have reached the carrier but no answer came back: a label may exist.
    Reconcile (list the account's labels, void a stray one) before buying again."""


class LabelDownloadFailed(CarrierUnavailable):
    """The label was bought but its PDF could not be fetched; void it or fetch it again."""

    def __init__(self, message: str, label_id: str, tracking_number: str) -> None:
        super().__init__(message)
        self.label_id = label_id
        self.tracking_number = tracking_number


class RateLimited(CarrierError):
    def __init__(self, message: str = "", retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class AuthenticationFailed(CarrierError):
    """The API key was refused: an operator problem, not the user's."""


class UnknownCarrierError(CarrierError):
    """Anything else the provider answered."""


class CarrierProvider(Protocol):
    async def list_services(self) -> list[CarrierService]: ...

    async def list_carrier_accounts(self) -> list[CarrierAccount]:
        """The carrier accounts connected now, never from a cache (balances change)."""

    async def quote(self, shipment: Shipment) -> list[Rate]:
        """Every rate for the shipment; raises a CarrierError when there is none to show."""

    async def check_recipient(self, shipment: Shipment) -> CheckedAddress:
        """The carrier's validation of the shipment's recipient address before rates are
        shown; raises InvalidAddress when it cannot be delivered to."""

    async def buy_label(self, rate: Rate, shipment: Shipment) -> PurchasedLabel:
        """Buys exactly once: never retried blindly, since a retry could buy a second label."""

    async def find_label(self, rate: Rate, shipment: Shipment) -> PurchasedLabel | None:
        """The label a purchase of this rate produced, if one reached the carrier (used to
        reconcile a purchase interrupted by a crash); raises PurchaseStateUnknown when the
        provider cannot tell."""

    async def void_label(self, label_id: str) -> VoidResult: ...

    async def track(self, label_id: str) -> Tracking: ...

    async def close(self) -> None: ...
