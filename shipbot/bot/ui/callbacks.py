"""Callback data of the foundation's buttons."""

from aiogram.filters.callback_data import CallbackData


class MenuAction(CallbackData, prefix="menu"):
    action: str  # home | help | language


class LanguageChoice(CallbackData, prefix="lang"):
    code: str
