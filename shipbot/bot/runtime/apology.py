"""The short answer a user gets when a handler fails, so an error never reaches them as silence.

Only a refusal (the chat is gone, the bot blocked) is given up on here; the Bot API being
unavailable propagates, and the processor leaves the update for redelivery, so the apology is
made when Telegram tries again."""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiogram.types import Update
from aiogram.utils.i18n import I18n

log = logging.getLogger(__name__)


async def apologise(bot: Bot, i18n: I18n, update: Update, chat_id: int | None, locale: str) -> None:
    text = i18n.gettext("Something went wrong, please try again.", locale=locale)
    try:
        if update.callback_query is not None:
            await bot.answer_callback_query(update.callback_query.id, text=text)
        elif chat_id is not None:
            await bot.send_message(chat_id, text)
    except (TelegramBadRequest, TelegramForbiddenError):
        log.warning("could not tell the user about the failure", exc_info=True)
