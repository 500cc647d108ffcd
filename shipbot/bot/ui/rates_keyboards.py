"""Keyboards of the rates screen."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from shipbot.bot.ui import purchase_texts
from shipbot.bot.ui.buttons import button
from shipbot.bot.ui.callbacks import MenuAction, Nav, RatePick, RatesAction
from shipbot.bot.ui.rates_texts import rate_button

if TYPE_CHECKING:
    from shipbot.domain.money import Checkout
    from shipbot.services.quoting import RateOption


def _cancel_row() -> list[InlineKeyboardButton]:
    return [
        button(_("⬅️ Back"), Nav(action="back")),
        button(_("✖️ Cancel"), Nav(action="cancel")),
    ]


def rates(quote_id: str, options: list[RateOption]) -> InlineKeyboardMarkup:
    rows = [
        [button(rate_button(option), RatePick(quote_id=quote_id, index=option.index))]
        for option in options
    ]
    rows.append(
        [
            button(_("🔁 Refresh"), RatesAction(action="refresh")),
            button(_("✏️ Edit shipment"), RatesAction(action="edit")),
        ]
    )
    rows.append(_cancel_row())
    return InlineKeyboardMarkup(inline_keyboard=rows)


def problem(address_problem: bool) -> InlineKeyboardMarkup:
    edit = _("✏️ Edit address") if address_problem else _("✏️ Edit shipment")
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                button(_("🔁 Try again"), RatesAction(action="retry")),
                button(edit, RatesAction(action="edit")),
            ],
            _cancel_row(),
        ]
    )


def price_changed() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [button(_("✅ Continue at the new price"), RatesAction(action="confirm_price"))],
            [button(_("⬅️ Back to rates"), Nav(action="back"))],
        ]
    )


def ordered(pay: Checkout, *, from_order: bool) -> InlineKeyboardMarkup:
    if pay.top_up_cents:
        # The amount is worked out again when pressed: callback data can be forged.
        choice = button(
            purchase_texts.top_up_button(pay.top_up_cents), RatesAction(action="top_up")
        )
    else:
        choice = button(purchase_texts.pay_button(pay.price_cents), RatesAction(action="pay"))
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [choice],
            [
                button(
                    _("⬅️ Back to the order") if from_order else _("⬅️ Back to rates"),
                    Nav(action="back"),
                )
            ],
            [button(_("🏠 Main menu"), MenuAction(action="home"))],
        ]
    )
