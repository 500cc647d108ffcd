"""Keyboards of the balance and top-up screens."""

from __future__ import annotations

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from shipbot.bot.ui.balance_texts import pay_button, pay_rest_button
from shipbot.bot.ui.buttons import button
from shipbot.bot.ui.callbacks import MenuAction, Nav, TopUpAmount
from shipbot.domain.money import format_usd

QUICK_AMOUNTS = (10_00, 25_00, 50_00, 100_00)


def _back_and_menu() -> list[InlineKeyboardButton]:
    return [
        button(_("⬅️ Back"), Nav(action="back")),
        button(_("🏠 Main menu"), MenuAction(action="home")),
    ]


def balance() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [button(_("➕ Top up"), MenuAction(action="top_up"))],
            [button(_("⬅️ Back to menu"), MenuAction(action="home"))],
        ]
    )


def amounts() -> InlineKeyboardMarkup:
    quick = [button(format_usd(cents), TopUpAmount(cents=cents)) for cents in QUICK_AMOUNTS]
    return InlineKeyboardMarkup(inline_keyboard=[quick, _back_and_menu()])


def invoice(payment_url: str, due_cents: int, *, rest: bool) -> InlineKeyboardMarkup:
    """`rest`: an underpaid invoice, whose page takes the remaining `due_cents`."""
    text = pay_rest_button(due_cents) if rest else pay_button(due_cents)
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=text, url=payment_url)],
            _back_and_menu(),
        ]
    )


def retry() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[_back_and_menu()])
