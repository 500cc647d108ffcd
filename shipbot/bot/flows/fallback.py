"""Input no flow expects still gets exactly one reply (G4); included after every other router."""

from __future__ import annotations

from aiogram import Router
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer

from shipbot.bot.flows.menu import show_menu
from shipbot.bot.ui import texts
from shipbot.db.models import User


async def not_understood(message: Message, user: User) -> None:
    await show_menu(message, user, texts.not_understood())


async def unknown_button(query: CallbackQuery, callback_answer: CallbackAnswer) -> None:
    callback_answer.text = texts.button_inactive()


def build_router() -> Router:
    router = Router(name="fallback")
    router.message.register(not_understood)
    router.callback_query.register(unknown_button)
    return router
