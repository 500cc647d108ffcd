"""Inline keyboards of the foundation. Only flows that exist get a button."""

from __future__ import annotations

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from shipbot.bot.ui.callbacks import LanguageChoice, MenuAction
from shipbot.bot.ui.i18n import LANGUAGE_NAMES


def main_menu() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("❓ Help"), callback_data=MenuAction(action="help"))
    builder.button(text=_("🌐 Language"), callback_data=MenuAction(action="language"))
    builder.adjust(2)
    return builder.as_markup()


def back_to_menu() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("⬅️ Back to menu"), callback_data=MenuAction(action="home"))
    return builder.as_markup()


def languages() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for code, name in LANGUAGE_NAMES.items():
        builder.button(text=name, callback_data=LanguageChoice(code=code))
    builder.button(text=_("⬅️ Back to menu"), callback_data=MenuAction(action="home"))
    builder.adjust(len(LANGUAGE_NAMES), 1)
    return builder.as_markup()
