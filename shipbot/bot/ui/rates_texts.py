"""What the rates screen says (SPEC §3.2)."""

from __future__ import annotations

from datetime import date
from html import escape
from typing import TYPE_CHECKING

from aiogram.utils.i18n import gettext as _

from shipbot.bot.ui import dates
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
    from shipbot.services.quoting import PricedRate, RateOption, Shipment


def fetching() -> str:
    return _("⏳ Fetching rates…")


def _arrival(rate: PricedRate) -> str:
    if rate.estimated_delivery:
        return _("by {date}").format(date=dates.day(date.fromisoformat(rate.estimated_delivery)))
    if rate.delivery_days is not None:
        return _("{days} d").format(days=rate.delivery_days)
    return "—"


def rate_button(option: RateOption) -> str:
    """Price first: Telegram cuts a long button's end, never its start."""
    rate = option.rate
    parts = [format_usd(rate.price_cents), rate.service_name, _arrival(rate)]
    if option.cheapest:
        parts.append(_("Cheapest"))
    if option.fastest:
        parts.append(_("Fastest"))
    return " · ".join(parts)


def rates(parcel: Shipment, valid_minutes: int) -> str:
    """The shipment and how long the prices hold; the services are the buttons below."""
    return "\n".join(
        [
            _("<b>Rates</b> for {weight}, {size}, {origin} → {destination}").format(
                weight=describe_weight(parcel.ounces),
                size=parcel.dimensions.describe(),
                origin=escape(parcel.ship_from.zip),
                destination=escape(parcel.ship_to.zip),
            ),
            _("Prices hold for {minutes} minutes. Choose a service:").format(minutes=valid_minutes),
        ]
    )


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


def rate_gone_from_order() -> str:
    return _(
        "This service is no longer offered for this parcel. Delete the order, or repeat the "
        "shipment to choose another service."
    )
