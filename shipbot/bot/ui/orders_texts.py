"""What My orders says (SPEC §3.5)."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from aiogram.utils.i18n import gettext as _

from shipbot.bot.ui import dates
from shipbot.bot.ui.label_texts import address_lines
from shipbot.db.models import Order
from shipbot.domain.money import format_usd
from shipbot.domain.orders import RefundState, RefundSummary
from shipbot.providers.carriers.base import Tracking

if TYPE_CHECKING:  # values a flow hands over; ui/ calls no service
    from shipbot.services.quoting import PricedRate, Shipment


def status(order: Order) -> str:
    return {
        "quoted": _("awaiting payment"),
        "purchasing": _("being bought"),
        "purchased": _("label bought"),
        "failed": _("purchase failed"),
        "refunded": _("refunded"),
    }.get(order.status, order.status)


def order_button(order: Order, rate: PricedRate) -> str:
    return f"{order.id} · {rate.service_name} · {format_usd(order.price_cents)} · {status(order)}"


def order_list(total: int, page: int, pages: int) -> str:
    if not total:
        return _("<b>My orders</b>\nNo orders yet. Start with “New label”.")
    return _("<b>My orders</b> ({total}), page {page} of {pages}. Newest first.").format(
        total=total, page=page + 1, pages=pages
    )


def order_detail(order: Order, rate: PricedRate, shipment: Shipment, refundable: bool) -> str:
    lines = [
        _("<b>Order {order}</b> · {status}").format(order=escape(order.id), status=status(order)),
        f"{escape(rate.service_name)} · {format_usd(order.price_cents)}",
    ]
    if order.tracking_number:
        lines.append(_("Tracking: {tracking}").format(tracking=escape(order.tracking_number)))
    if order.failure_reason:
        lines.append(_("Reason: {reason}").format(reason=escape(order.failure_reason)))
    if refundable:
        lines.append(
            _("Refundable until {moment}").format(moment=dates.moment(order.refund_deadline))
        )
    lines += [
        "",
        _("<b>From</b>"),
        address_lines(shipment.ship_from),
        "",
        _("<b>To</b>"),
        address_lines(shipment.ship_to),
    ]
    return "\n".join(lines)


def tracking(order: Order, info: Tracking) -> str:
    lines = [
        _("<b>Tracking {tracking}</b>").format(tracking=escape(info.tracking_number)),
        escape(info.status_description),
    ]
    if info.estimated_delivery:
        lines.append(
            _("Estimated delivery: {date}").format(date=dates.day(info.estimated_delivery))
        )
    for event in info.events[:10]:
        place = ", ".join(part for part in (event.city, event.state) if part)
        when = dates.moment(event.occurred_at)
        lines.append(
            f"{when} · {escape(event.description)}" + (f" · {escape(place)}" if place else "")
        )
    return "\n".join(lines)


def refund_list(refunds: list[RefundSummary]) -> str:
    if not refunds:
        return _(
            "<b>Refunds</b>\nNo refund requests yet. Open a bought label in “My orders” "
            "to ask for one."
        )
    lines = [_("<b>Refunds</b>, newest first:")]
    for refund in refunds:
        lines.append(
            f"{dates.moment(refund.requested_at)} · {escape(refund.order_id)} · {_outcome(refund)}"
        )
    return "\n".join(lines)


def _outcome(refund: RefundSummary) -> str:
    credited = format_usd(refund.credited_cents)
    reason = escape(refund.carrier_message)
    note = f" ({escape(refund.note)})" if refund.note else ""
    if refund.state is RefundState.APPROVED:
        return _("approved, {amount} back on the balance").format(amount=credited)
    if refund.state is RefundState.GOODWILL:
        return (
            _("refused by the carrier, then credited by us: {amount} back on the balance").format(
                amount=credited
            )
            + note
        )
    if refund.state is RefundState.CLOSED:
        return (
            _("refused by the carrier: {reason}; reviewed and closed").format(reason=reason) + note
        )
    return _("refused by the carrier: {reason}").format(reason=reason)


def refund_confirm(order: Order) -> str:
    return _(
        "Void the label of order {order} and put {amount} back on your balance?\n\n"
        "A voided label can no longer be used to ship."
    ).format(order=order.id, amount=format_usd(order.price_cents))


def voiding() -> str:
    return _("⏳ Asking the carrier to void the label…")


def refund_outcome(status: str, message: str, amount_cents: int) -> str:
    if status == "approved":
        return _("↩️ Refund approved: {amount} is back on your balance.").format(
            amount=format_usd(amount_cents)
        )
    if status == "refused":
        return _("⚠️ The carrier refused the refund: {reason}").format(reason=escape(message))
    if status == "window_closed":
        return _("⚠️ The refund window for this label has closed.")
    if status == "carrier_error":
        return _("⚠️ The carrier is not answering right now. Please try again.")
    return _("⚠️ This label cannot be refunded.")


def refund_outcome_of_order(order_id: str, status: str, message: str, amount_cents: int) -> str:
    """A void an operator asked for: the user is not on the order's screen, so it is named."""
    heading = _("Order {order}").format(order=escape(order_id))
    return f"<b>{heading}</b>\n{refund_outcome(status, message, amount_cents)}"


def refund_goodwill(order_id: str, amount_cents: int, note: str) -> str:
    return _(
        "↩️ We reviewed the refused refund of order {order}: {amount} is back on your "
        "balance as a goodwill credit.\n{note}"
    ).format(order=escape(order_id), amount=format_usd(amount_cents), note=escape(note))


def refund_closed(order_id: str, note: str) -> str:
    return _(
        "We reviewed the refused refund of order {order} and closed it: the carrier's "
        "refusal stands.\n{note}"
    ).format(order=escape(order_id), note=escape(note))


def tracking_unavailable() -> str:
    return _("⚠️ Tracking is not available right now. Please try again later.")


def label_sent() -> str:
    return _("The label was sent again.")


def order_deleted(order_id: str) -> str:
    return _("🗑 Order {order} deleted. Nothing was charged.").format(order=escape(order_id))


def not_deletable() -> str:
    return _("This order is already paid or being bought, so it stays.")


def repriced(old: PricedRate, new: PricedRate) -> str:
    return _(
        "The quote expired, so the price was checked again: <s>{old}</s> → <b>{new}</b>."
    ).format(old=format_usd(old.price_cents), new=format_usd(new.price_cents))
