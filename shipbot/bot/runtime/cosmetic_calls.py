"""Bot API calls whose failure must never fail an update (G2).

A callback answer only stops the button's spinner, and a chat action only shows "typing".
On a redelivery of an update whose first attempt answered the query and then died before its
commit, Telegram refuses the second answer ("query is too old"); failing the update for it
would roll back the step the user asked for while the screen already shows it. So these
calls are logged when they fail and reported to the caller as done.
"""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.exceptions import AiogramError
from aiogram.methods import AnswerCallbackQuery, Response, SendChatAction, TelegramMethod
from aiogram.methods.base import TelegramType

log = logging.getLogger(__name__)

COSMETIC_METHODS = (AnswerCallbackQuery, SendChatAction)


class CosmeticCalls(BaseRequestMiddleware):
    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        if not isinstance(method, COSMETIC_METHODS):
            return await make_request(bot, method)
        try:
            return await make_request(bot, method)
        except AiogramError as error:
            log.info("%s failed, carrying on: %s", type(method).__name__, error)
            return Response[bool](ok=True, result=True)
