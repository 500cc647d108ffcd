"""What the payment and label messages say (SPEC §3.3)."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from aiogram.utils.i18n import gettext as _

from shipbot.db.models import Order
from shipbot.domain.money import format_usd

if TYPE_CHECKING:  # values a flow hands over; ui/ calls no service
    from shipbot.services.quoting import PricedRate


def payment(order: Order, rate: PricedRate, balance_cents: int) -> str:
    text = _(
        "<b>Order {order}</b>\n{service}\nPrice: <b>{price}</b>\nYour balance: {balance}"
    ).format(
        order=escape(order.id),
        service=escape(rate.service_name),
        price=format_usd(order.price_cents),
        balance=format_usd(balance_cents),
    )
    if balance_cents < order.price_cents:
        text += "\n\n" + _("Top up {shortfall} to pay for this label.").format(
            shortfall=format_usd(order.price_cents - balance_cents)
        )
    return text


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
