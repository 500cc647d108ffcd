"""Inline keyboards of the main menu, help and language. Only flows that exist get a button.

Keyboards that depend only on the language are built once per locale: aiogram's builder
deep-copies every button, which made rebuilding the menu a sizeable part of each update.
"""

from __future__ import annotations

from functools import cache

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import get_i18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from shipbot.bot.ui.callbacks import LanguageChoice, MenuAction
from shipbot.bot.ui.i18n import LANGUAGE_NAMES
from shipbot.domain.money import format_usd


def main_menu(balance_cents: int) -> InlineKeyboardMarkup:
    """Built each time: the Balance button shows the balance."""
    rows = _main_menu(get_i18n().current_locale).inline_keyboard
    balance = InlineKeyboardButton(
        text=_("💰 Balance ({amount})").format(amount=format_usd(balance_cents)),
        callback_data=MenuAction(action="balance").pack(),
    )
    return InlineKeyboardMarkup(inline_keyboard=[*rows[:2], [balance], *rows[2:]])


def back_to_menu() -> InlineKeyboardMarkup:
    return _back_to_menu(get_i18n().current_locale)


def languages() -> InlineKeyboardMarkup:
    return _languages(get_i18n().current_locale)


@cache
def _main_menu(locale: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("📦 New label"), callback_data=MenuAction(action="new_label"))
    builder.button(text=_("📋 My orders"), callback_data=MenuAction(action="orders"))
    builder.button(text=_("📒 Address book"), callback_data=MenuAction(action="addresses"))
    builder.button(text=_("↩️ Refunds"), callback_data=MenuAction(action="refunds"))
    builder.button(text=_("❓ Help"), callback_data=MenuAction(action="help"))
    builder.button(text=_("🌐 Language"), callback_data=MenuAction(action="language"))
    builder.adjust(1, 1, 2, 2)
    return builder.as_markup()


@cache
def _back_to_menu(locale: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("⬅️ Back to menu"), callback_data=MenuAction(action="home"))
    return builder.as_markup()


@cache
def _languages(locale: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for code, name in LANGUAGE_NAMES.items():
        builder.button(text=name, callback_data=LanguageChoice(code=code))
    builder.button(text=_("⬅️ Back to menu"), callback_data=MenuAction(action="home"))
    builder.adjust(len(LANGUAGE_NAMES), 1)
    return builder.as_markup()
