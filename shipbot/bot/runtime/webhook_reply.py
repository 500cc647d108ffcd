"""The one Bot API call an update leaves for its webhook answer.

Telegram accepts one Bot API method as the JSON body of the webhook's 2xx answer and runs it
once it has the answer, which shipbot sends after the update's commit. Two calls an update
makes only tidy the screen, need no result and may fail unnoticed: the callback answer that
stops the button's spinner, and the removal of the previous prompt's keyboard. The first of
them an update makes is kept here instead of sent, which saves a round trip to the Bot API.

A lost answer loses nothing that matters: Telegram redelivers the update, which is then a
duplicate (answered empty); the spinner stops by itself, and a keyboard left behind is
answered by the stale-button guard.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aiogram import Bot
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.methods import AnswerCallbackQuery, EditMessageReplyMarkup, TelegramMethod
from aiogram.methods.base import TelegramType

from shipbot.bot.runtime.bot_api_session import method_params
from shipbot.bot.runtime.scope import current_scope


@dataclass
class WebhookReply:
    """Where an update processed for a webhook keeps the call its answer will carry."""

    method: TelegramMethod | None = None


def _tidies_up(method: TelegramMethod) -> bool:
    if isinstance(method, AnswerCallbackQuery):
        return True
    return isinstance(method, EditMessageReplyMarkup) and method.reply_markup is None


class ReplyInWebhookAnswer(BaseRequestMiddleware):
    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Any:
        scope = current_scope()
        reply = scope.webhook_reply if scope is not None else None
        if reply is None or reply.method is not None or not _tidies_up(method):
            return await make_request(bot, method)
        reply.method = method
        return True  # what Telegram answers both methods with


def answer_body(bot: Bot, method: TelegramMethod) -> dict[str, Any]:
    """The method as a webhook answer: its name and its parameters. Neither method sends a
    file, so there is nothing to attach."""
    return {"method": method.__api_method__, **method_params(bot, method, files={})}
