"""Sandbox tracking: events appear as time passes since the purchase, with nothing stored.

Everything follows from the purchase time and the delivery days (both derived from the label
id), so tracking and voiding answer the same in any process, before or after a restart.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from shipbot.domain.zip_data import ZipInfo
from shipbot.providers.carriers.base import CarrierService, Tracking, TrackingEvent, VoidResult

PICKUP_AFTER = timedelta(hours=6)  # until then the label is "unused" and may be voided
_ARRIVAL_BEFORE = timedelta(hours=8)  # at the destination facility, before delivery
_OUT_BEFORE = timedelta(hours=4)  # out for delivery, before delivery

# label created, picked up, in transit, arrived at destination, out for delivery, delivered
_WORDS = {
    "usps": (
        "Shipping Label Created, USPS Awaiting Item", "USPS in possession of item",
        "In Transit to Next Facility", "Arrived at USPS Regional Destination Facility",
        "Out for Delivery", "Delivered, In/At Mailbox",
    ),
    "ups": (
        "Shipper created a label, UPS has not received the package yet", "Pickup Scan",
        "Departed from Facility", "Arrived at Facility", "Out For Delivery Today", "Delivered",
    ),
    "fedex": (
        "Shipment information sent to FedEx", "Picked up", "In transit",
        "At destination sort facility", "On FedEx vehicle for delivery", "Delivered",
    ),
}  # fmt: skip


def _timeline(
    service: CarrierService, purchased: datetime, days: int, origin: ZipInfo, to: ZipInfo
) -> list[tuple[str, TrackingEvent]]:
    """(status, event) pairs, oldest first, including the ones still in the future."""
    words = _WORDS[service.carrier_code]
    delivered = purchased + timedelta(days=days)
    at_origin = {"city": origin.city, "state": origin.state}
    at_destination = {"city": to.city, "state": to.state}
    events = [
        ("label_created", TrackingEvent(purchased, words[0], **at_origin)),
        ("in_transit", TrackingEvent(purchased + PICKUP_AFTER, words[1], **at_origin)),
    ]
    events += [
        ("in_transit", TrackingEvent(purchased + timedelta(days=day), words[2]))
        for day in range(1, days)
    ]
    events += [
        ("in_transit", TrackingEvent(delivered - _ARRIVAL_BEFORE, words[3], **at_destination)),
        ("out_for_delivery", TrackingEvent(delivered - _OUT_BEFORE, words[4], **at_destination)),
        ("delivered", TrackingEvent(delivered, words[5], **at_destination)),
    ]
    return events


def track(
    *,
    service: CarrierService,
    tracking_number: str,
    purchased: datetime,
    days: int,
    origin: ZipInfo,
    destination: ZipInfo,
    now: datetime,
) -> Tracking:
    timeline = _timeline(service, purchased, days, origin, destination)
    # The label-created event always shows, even if the clock reads before the purchase.
    happened = [timeline[0]] + [pair for pair in timeline[1:] if pair[1].occurred_at <= now]
    status, latest = happened[-1]
    return Tracking(
        tracking_number=tracking_number,
        status=status,
        status_description=latest.description,
        events=tuple(event for _, event in reversed(happened)),
        estimated_delivery=(purchased + timedelta(days=days)).date(),
    )


def void(*, service: CarrierService, purchased: datetime, now: datetime) -> VoidResult:
    scanned = purchased + PICKUP_AFTER
    if now < scanned:
        return VoidResult(approved=True, message="The label was voided; it was never used.")
    return VoidResult(
        approved=False,
        message=(
            f"The label can no longer be voided: {service.carrier_name} scanned the parcel "
            f"on {scanned:%Y-%m-%d %H:%M} UTC."
        ),
    )
