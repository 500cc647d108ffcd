"""One live prompt per chat (G4).

`show_prompt` is how a flow asks the user something: answering a button of the live prompt
edits it in place; anything else retires the old prompt's keyboard and sends a new one. The
live prompt's message id is stored with the update's other writes. `StaleButtonGuard`
answers buttons of any other message and stops them there.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from contextlib import suppress
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message, TelegramObject

from shipbot.bot.runtime.scope import UpdateScope, current_scope
from shipbot.bot.ui import texts
from shipbot.db.models import ActivePrompt

log = logging.getLogger(__name__)


def _scope() -> UpdateScope:
    scope = current_scope()
    if scope is None or scope.chat_id is None:
        raise RuntimeError("prompts are shown only while processing an update of a chat")
    return scope


async def live_prompt_id(scope: UpdateScope) -> int | None:
    if not scope.prompt_loaded:
        scope.prompt = await scope.session.get(ActivePrompt, (scope.bot_id, scope.chat_id))
        scope.prompt_loaded = True
    return scope.prompt.message_id if scope.prompt else None


def _remember(scope: UpdateScope, message_id: int) -> None:
    if scope.prompt is None:
        scope.prompt = ActivePrompt(
            bot_id=scope.bot_id, chat_id=scope.chat_id, message_id=message_id
        )
        scope.session.add(scope.prompt)
    else:
        scope.prompt.message_id = message_id


async def show_prompt(
    event: Message | CallbackQuery, text: str, reply_markup: InlineKeyboardMarkup | None = None
) -> Message:
    scope = _scope()
    bot: Bot = event.bot
    live_id = await live_prompt_id(scope)
    if isinstance(event, CallbackQuery) and event.message and event.message.message_id == live_id:
        try:
            edited = await bot.edit_message_text(
                text=text, chat_id=scope.chat_id, message_id=live_id, reply_markup=reply_markup
            )
            return edited if isinstance(edited, Message) else event.message
        except TelegramBadRequest as error:
            if "message is not modified" in error.message:
                return event.message
            log.info("prompt %s cannot be edited (%s); sending a new one", live_id, error.message)
    if live_id is not None:
        await retire_keyboard(bot, scope.chat_id, live_id)
    sent = await bot.send_message(scope.chat_id, text, reply_markup=reply_markup)
    _remember(scope, sent.message_id)
    return sent


async def edit_live_prompt(
    bot: Bot, text: str, reply_markup: InlineKeyboardMarkup | None = None
) -> None:
    """Replace the live prompt's question when no button of it was pressed (the bot acting on
    its own); a prompt that can no longer be edited is replaced by a new one."""
    scope = _scope()
    live_id = await live_prompt_id(scope)
    if live_id is not None:
        try:
            await bot.edit_message_text(
                text=text, chat_id=scope.chat_id, message_id=live_id, reply_markup=reply_markup
            )
            return
        except TelegramBadRequest as error:
            if "message is not modified" in error.message:
                return  # already showing it: told before a crash, told again now
            log.info("prompt %s cannot be edited (%s); sending a new one", live_id, error.message)
            await retire_keyboard(bot, scope.chat_id, live_id)
    sent = await bot.send_message(scope.chat_id, text, reply_markup=reply_markup)
    _remember(scope, sent.message_id)


async def retire_keyboard(bot: Bot, chat_id: int, message_id: int) -> None:
    # Already without a keyboard, deleted, or too old to edit: nothing left to retire.
    with suppress(TelegramBadRequest):
        await bot.edit_message_reply_markup(
            chat_id=chat_id, message_id=message_id, reply_markup=None
        )


class StaleButtonGuard(BaseMiddleware):
    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: CallbackQuery,
        data: dict[str, Any],
    ) -> Any:
        scope = current_scope()
        live_id = await live_prompt_id(scope) if scope and scope.chat_id is not None else None
        if event.message is None or event.message.message_id != live_id:
            await event.answer(texts.button_inactive())
            return None
        return await handler(event, data)
