"""What the payment and label messages say (SPEC §3.3)."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from aiogram.utils.i18n import gettext as _

from shipbot.db.models import Order
from shipbot.domain.address import Address
from shipbot.domain.money import TOP_UP_MIN_CENTS, Checkout, format_usd
from shipbot.domain.parcel import describe_weight

if TYPE_CHECKING:  # values a flow hands over; ui/ calls no service
    from shipbot.services.quoting import PricedRate, Shipment


def _place(address: Address) -> str:
    return escape(f"{address.name}, {address.city}, {address.state} {address.zip}")


def payment(order: Order, rate: PricedRate, shipment: Shipment, pay: Checkout) -> str:
    lines = [
        _("<b>Order {order}</b>").format(order=escape(order.id)),
        f"{_place(shipment.ship_from)} → {_place(shipment.ship_to)}",
        _("Parcel: {weight}, {size}").format(
            weight=describe_weight(shipment.ounces), size=shipment.dimensions.describe()
        ),
        _("Service: {service}").format(service=escape(rate.service_name)),
        _("Price: <b>{price}</b>").format(price=format_usd(pay.price_cents)),
        _("Your balance: {balance}").format(balance=format_usd(pay.balance_cents)),
    ]
    if pay.top_up_cents:
        lines.append("")
        if pay.raised_to_minimum:
            lines.append(
                _(
                    "Your balance is {shortfall} short. The smallest top-up is {minimum}, so "
                    "top up {amount}: the label is paid and {left} stays on your balance."
                ).format(
                    shortfall=format_usd(pay.shortfall_cents),
                    minimum=format_usd(TOP_UP_MIN_CENTS),
                    amount=format_usd(pay.top_up_cents),
                    left=format_usd(pay.top_up_cents - pay.shortfall_cents),
                )
            )
        else:
            lines.append(
                _("Top up {amount} to pay for this label.").format(
                    amount=format_usd(pay.top_up_cents)
                )
            )
    return "\n".join(lines)


def balance_short() -> str:
    return _("Your balance no longer covers this label.")


def pay_button(price_cents: int) -> str:
    return _("💳 Pay {price} from balance").format(price=format_usd(price_cents))


def top_up_button(cents: int) -> str:
    return _("➕ Top up {amount}").format(amount=format_usd(cents))


def buying() -> str:
    return _("⏳ Buying your label… It arrives here in a moment.")


def already_buying() -> str:
    return _("This order is already paid or being bought.")


def quote_expired() -> str:
    return _("These prices have expired. Please choose the rate again.")


def bought(order: Order, rate: PricedRate) -> str:
    return _("✅ Label for order {order} bought: {service}, tracking {tracking}.").format(
        order=escape(order.id),
        service=escape(rate.service_name),
        tracking=escape(order.tracking_number or ""),
    )


def caption(order: Order, rate: PricedRate) -> str:
    return _("{carrier} · {service}\nTracking: {tracking}\nPrice: {price}\nOrder: {order}").format(
        carrier=escape(rate.carrier_name),
        service=escape(rate.service_name),
        tracking=escape(order.tracking_number or ""),
        price=format_usd(order.price_cents),
        order=escape(order.id),
    )


def failed(order: Order) -> str:
    return _(
        "⚠️ The label for order {order} could not be bought: {reason}\nNothing was charged; "
        "the reserved amount is back on your balance."
    ).format(order=escape(order.id), reason=escape(order.failure_reason or ""))
