"""The sandbox carrier: the default provider when no ShipStation key is configured.

It keeps no state. A rate id names the service and a hash of the shipment, and a label id
names the service, the purchase time and both ZIPs, so buying, tracking and voiding work in
any process and after restarts, exactly as with a real carrier's ids.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from shipbot.domain.address import Address
from shipbot.domain.zip_data import ZipInfo, lookup, zip_city
from shipbot.providers.carriers.base import (
    CarrierAccount,
    CarrierService,
    CheckedAddress,
    InvalidAddress,
    NoRates,
    PurchasedLabel,
    Rate,
    Shipment,
    Tracking,
    UnknownCarrierError,
    VoidResult,
)
from shipbot.providers.carriers.sandbox import labels, standard, tracking
from shipbot.providers.carriers.sandbox.catalog import ACCOUNTS, BY_CODE, SERVICES
from shipbot.providers.carriers.sandbox.purchases import PurchaseRecords
from shipbot.providers.carriers.sandbox.rating import TARIFFS, rate, zone_between

PREFIX = "sbx"
_TARIFF_VERSION = "1"  # part of the rate id hash: a tariff change invalidates old rate ids


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _number(value: Decimal) -> str:
    return f"{Decimal(value).normalize():f}"  # 2, 2.0 and 2.00 hash alike


def shipment_key(shipment: Shipment) -> str:
    dims = shipment.dimensions
    data = [
        _TARIFF_VERSION,
        shipment.ship_from.to_dict(),
        shipment.ship_to.to_dict(),
        _number(shipment.ounces),
        [_number(dims.length), _number(dims.width), _number(dims.height)],
        shipment.residential,
    ]
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]


def _check_address(address: Address, role: str) -> ZipInfo:
    """What a carrier's address check says: the ZIP exists and the state and city match it."""
    zip5 = address.zip[:5]
    info = lookup(zip5)
    if info is None:
        raise InvalidAddress(f"{role} address: ZIP code {zip5} does not exist.")
    where = f"{info.city.upper()}, {info.state}"
    if address.state.upper() != info.state:
        raise InvalidAddress(
            f"{role} address: the state {address.state.upper()} does not match "
            f"ZIP code {zip5} ({where})."
        )
    # The same reading of a city as at entry: "Winston-Salem" and "St. Thomas" are the data's
    # "Winston Salem" and "Saint Thomas".
    if zip_city(zip5, address.city) is None:
        raise InvalidAddress(
            f"{role} address: the city {address.city.upper()} does not match "
            f"ZIP code {zip5} ({where})."
        )
    return info


@dataclass(frozen=True)
class _Label:
    service: CarrierService
    purchased: datetime
    origin: ZipInfo
    destination: ZipInfo

    @property
    def delivery_days(self) -> int:
        zone = zone_between(self.origin, self.destination)
        return TARIFFS[self.service.service_code].days[zone - 1]


def _parse_label_id(label_id: str) -> _Label:
    """sbx-<service code>-<unix seconds>-<from ZIP>-<to ZIP>-<nonce>"""
    parts = label_id.split("-")
    if len(parts) == 6 and parts[0] == PREFIX and parts[1] in BY_CODE and parts[2].isdigit():
        origin, destination = lookup(parts[3]), lookup(parts[4])
        if origin and destination:
            purchased = datetime.fromtimestamp(int(parts[2]), UTC)
            return _Label(BY_CODE[parts[1]], purchased, origin, destination)
    raise UnknownCarrierError(f"Label {label_id} was not found.")


class SandboxCarrier:
    def __init__(
        self,
        *,
        latency_seconds: float = 0.0,
        clock: Callable[[], datetime] = _utc_now,
        purchases_dir: Path | None = None,
    ) -> None:
        self._latency = latency_seconds
        self._clock = clock
        # Like a real carrier's account, purchases outlive this process: the bot asks after
        # a crash whether a label was bought (find_label).
        self._purchases = PurchaseRecords(purchases_dir)

    async def list_services(self) -> list[CarrierService]:
        return list(SERVICES)

    async def list_carrier_accounts(self) -> list[CarrierAccount]:
        await self._round_trip()
        return list(ACCOUNTS)

    async def _round_trip(self) -> None:
        if self._latency > 0:
            await asyncio.sleep(self._latency)  # what a real carrier's round trip costs

    async def check_recipient(self, shipment: Shipment) -> CheckedAddress:
        await self._round_trip()
        _check_address(shipment.ship_to, "Recipient")
        return standard.checked(shipment.ship_to)

    async def quote(self, shipment: Shipment) -> list[Rate]:
        await self._round_trip()
        _check_address(shipment.ship_from, "Sender")
        _check_address(shipment.ship_to, "Recipient")
        rating = rate(shipment)
        if not rating.quotes:
            raise NoRates("No service can carry this parcel: " + "; ".join(rating.refusals) + ".")
        key = shipment_key(shipment)
        today = self._clock().date()
        return [
            Rate(
                rate_id=f"{PREFIX}-{q.service.service_code}-{key}",
                service=q.service,
                shipping_cents=q.shipping_cents,
                other_cents=q.surcharge_cents,
                delivery_days=q.delivery_days,
                estimated_delivery=today + timedelta(days=q.delivery_days),
            )
            for q in rating.quotes
        ]

    async def buy_label(self, rate: Rate, shipment: Shipment) -> PurchasedLabel:
        await self._round_trip()
        parts = rate.rate_id.split("-")
        valid = (
            len(parts) == 3
            and parts[0] == PREFIX
            and parts[1] == rate.service.service_code
            and parts[1] in BY_CODE
        )
        if not valid or parts[2] != shipment_key(shipment):
            raise UnknownCarrierError(
                f"Rate {rate.rate_id} is not valid for this shipment; get new rates."
            )
        service = BY_CODE[parts[1]]
        now = self._clock()
        # The nonce keeps two purchases of one rate within a second two different labels.
        label_id = "-".join((
            PREFIX, service.service_code, str(int(now.timestamp())),
            shipment.ship_from.zip[:5], shipment.ship_to.zip[:5], secrets.token_hex(5),
        ))  # fmt: skip
        self._purchases.record(rate.rate_id, label_id)
        return self._label(label_id, rate, shipment)

    async def find_label(self, rate: Rate, shipment: Shipment) -> PurchasedLabel | None:
        label_id = self._purchases.find(rate.rate_id)
        return self._label(label_id, rate, shipment) if label_id else None

    def _label(self, label_id: str, rate: Rate, shipment: Shipment) -> PurchasedLabel:
        label = _parse_label_id(label_id)
        number = labels.tracking_number(label.service, label_id)
        pdf = labels.render_label(
            service=label.service,
            shipment=shipment,
            tracking=number,
            label_id=label_id,
            created=label.purchased,
        )
        return PurchasedLabel(label_id, number, label.service, rate.total_cents, pdf)

    async def void_label(self, label_id: str) -> VoidResult:
        label = _parse_label_id(label_id)
        return tracking.void(service=label.service, purchased=label.purchased, now=self._clock())

    async def track(self, label_id: str) -> Tracking:
        label = _parse_label_id(label_id)
        return tracking.track(
            service=label.service,
            tracking_number=labels.tracking_number(label.service, label_id),
            purchased=label.purchased,
            days=label.delivery_days,
            origin=label.origin,
            destination=label.destination,
            now=self._clock(),
        )

    async def close(self) -> None:
        pass
