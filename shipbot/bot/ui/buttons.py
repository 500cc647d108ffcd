"""An inline button from a CallbackData factory: the one way keyboards here make buttons."""

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton


def button(text: str, data: CallbackData) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=data.pack())
