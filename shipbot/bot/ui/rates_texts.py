"""What the rates screen says (SPEC §3.2)."""

from __future__ import annotations

from html import escape
from itertools import groupby
from typing import TYPE_CHECKING

from aiogram.utils.i18n import gettext as _

from shipbot.domain.money import format_usd
from shipbot.domain.parcel import describe_weight
from shipbot.providers.carriers.base import (
    AuthenticationFailed,
    CarrierError,
    CarrierUnavailable,
    InvalidAddress,
    NoRates,
    RateLimited,
)

if TYPE_CHECKING:  # values a flow hands over; ui/ calls no service
    from shipbot.services.quoting import PricedRate, Shipment


def fetching() -> str:
    return _("⏳ Fetching rates…")


def days(rate: PricedRate) -> str:
    if rate.delivery_days is None:
        return "—"
    return _("{days} d").format(days=rate.delivery_days)


def rate_button(rate: PricedRate) -> str:
    return f"{rate.service_name} · {days(rate)} · {format_usd(rate.price_cents)}"


def by_carrier(rates: list[PricedRate]) -> list[tuple[str, list[PricedRate]]]:
    """Carriers in the order of their cheapest rate, each carrier's rates cheapest first."""
    ranked = sorted(rates, key=lambda rate: rate.price_cents)
    first_seen = {rate.carrier_name: i for i, rate in reversed(list(enumerate(ranked)))}
    grouped = sorted(ranked, key=lambda rate: (first_seen[rate.carrier_name], rate.price_cents))
    return [(name, list(group)) for name, group in groupby(grouped, lambda r: r.carrier_name)]


def rates(parcel: Shipment, rates: list[PricedRate], valid_minutes: int) -> str:
    lines = [
        _("<b>Rates</b> for {weight}, {size}, {origin} → {destination}").format(
            weight=describe_weight(parcel.ounces),
            size=parcel.dimensions.describe(),
            origin=escape(parcel.ship_from.zip),
            destination=escape(parcel.ship_to.zip),
        )
    ]
    for carrier, group in by_carrier(rates):
        lines.append(f"\n<b>{escape(carrier)}</b>")
        lines.extend(
            f"{escape(rate.service_name)} · {days(rate)} · <b>{format_usd(rate.price_cents)}</b>"
            for rate in group
        )
    lines.append(
        "\n"
        + _("Prices hold for {minutes} minutes. Choose a service:").format(minutes=valid_minutes)
    )
    return "\n".join(lines)


def problem(error: CarrierError) -> str:
    reason = escape(error.message) if error.message else ""
    if isinstance(error, InvalidAddress):
        return _("⚠️ The carrier cannot use an address: {reason}").format(reason=reason)
    if isinstance(error, NoRates):
        return _("⚠️ No carrier can take this parcel. {reason}").format(reason=reason).strip()
    if isinstance(error, RateLimited):
        return _("⚠️ The carrier is busy. Please try again in a minute.")
    if isinstance(error, CarrierUnavailable):
        return _("⚠️ The carrier is not answering right now. Please try again.")
    if isinstance(error, AuthenticationFailed):
        return _("⚠️ Rates are unavailable right now. Please try again later.")
    return _("⚠️ The carrier answered with an error: {reason}").format(reason=reason)


def price_changed(old: PricedRate, new: PricedRate) -> str:
    return _(
        "The quote expired and the carrier's price changed.\n{service}: <s>{old}</s> → "
        "<b>{new}</b>\nContinue at the new price?"
    ).format(
        service=escape(new.service_name),
        old=format_usd(old.price_cents),
        new=format_usd(new.price_cents),
    )


def rate_gone() -> str:
    return _("That service is no longer offered for this parcel. Here are the current rates.")
