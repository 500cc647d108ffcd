"""Keyboards of My orders."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from shipbot.bot.ui.buttons import button
from shipbot.bot.ui.callbacks import MenuAction, OrderAction
from shipbot.bot.ui.orders_texts import order_button
from shipbot.db.models import Order
from shipbot.domain.orders import RefundSummary

if TYPE_CHECKING:
    from shipbot.services.quoting import PricedRate


def order_list(
    orders: list[tuple[Order, PricedRate]], page: int, pages: int
) -> InlineKeyboardMarkup:
    rows = [
        [
            button(
                order_button(order, rate),
                OrderAction(action="open", order_id=order.id, page=page),
            )
        ]
        for order, rate in orders
    ]
    paging = []
    if page > 0:
        paging.append(button(_("◀️ Newer"), OrderAction(action="page", page=page - 1)))
    if page + 1 < pages:
        paging.append(button(_("Older ▶️"), OrderAction(action="page", page=page + 1)))
    rows += [paging, [button(_("⬅️ Back to menu"), MenuAction(action="home"))]]
    return InlineKeyboardMarkup(inline_keyboard=[row for row in rows if row])


def order_detail(
    order: Order, page: int, refundable: bool, from_refunds: bool = False
) -> InlineKeyboardMarkup:
    def action(name: str) -> OrderAction:
        return OrderAction(action=name, order_id=order.id, page=page)

    rows = []
    if order.status == "quoted":
        rows.append(
            [
                button(_("💳 Pay"), action("pay")),
                button(_("🗑 Delete"), action("delete")),
            ]
        )
    if order.status == "purchased":
        rows.append(
            [
                button(_("📄 Send the label again"), action("resend")),
                button(_("🚚 Tracking"), action("track")),
            ]
        )
    if refundable:
        rows.append([button(_("↩️ Request refund"), action("refund"))])
    rows.append([button(_("🔁 Repeat this shipment"), action("repeat"))])
    back = MenuAction(action="refunds") if from_refunds else OrderAction(action="page", page=page)
    rows.append([button(_("⬅️ Back"), back)])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def back_to_order(order: Order, page: int) -> InlineKeyboardMarkup:
    back = OrderAction(action="open", order_id=order.id, page=page)
    return InlineKeyboardMarkup(inline_keyboard=[[button(_("⬅️ Back"), back)]])


def refund_confirm(order: Order, page: int) -> InlineKeyboardMarkup:
    def action(name: str) -> OrderAction:
        return OrderAction(action=name, order_id=order.id, page=page)

    return InlineKeyboardMarkup(
        inline_keyboard=[
            [button(_("↩️ Yes, void the label"), action("void"))],
            [button(_("⬅️ No, keep the label"), action("open"))],
        ]
    )


def refund_list(refunds: list[RefundSummary]) -> InlineKeyboardMarkup:
    rows = [
        [
            button(
                _("Order {order}").format(order=refund.order_id),
                OrderAction(action="open", order_id=refund.order_id),
            )
        ]
        for refund in refunds
    ]
    rows.append([button(_("⬅️ Back to menu"), MenuAction(action="home"))])
    return InlineKeyboardMarkup(inline_keyboard=rows)
