"""Any send that Telegram refuses with 403 "bot was blocked by the user" marks the user
(`blocked_bot_at`, shown in the panel); their next message clears the mark
(shipbot/services/users.py). The error still reaches the caller, which decides what the
refusal means for its own work."""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.exceptions import TelegramForbiddenError
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType
from sqlalchemy.exc import SQLAlchemyError

from shipbot.db.database import Database
from shipbot.services.users import mark_blocked_bot

log = logging.getLogger(__name__)

BLOCKED_BY_USER = "bot was blocked by the user"


class BlockedByUser(BaseRequestMiddleware):
    def __init__(self, database: Database) -> None:
        self.database = database

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        try:
            return await make_request(bot, method)
        except TelegramForbiddenError as error:
            chat_id = getattr(method, "chat_id", None)
            # A private chat's id is its user's; groups and channels have negative ids.
            if isinstance(chat_id, int) and chat_id > 0 and BLOCKED_BY_USER in error.message:
                await self._mark(chat_id)
            raise

    async def _mark(self, user_id: int) -> None:
        """In a transaction of its own: the caller's may be rolled back for this very error.
        No turn holds a write lock across a Bot API call, so this never waits on its caller."""
        try:
            async with self.database.write_transaction() as session:
                await mark_blocked_bot(session, user_id)
        except SQLAlchemyError:
            log.exception("could not mark user %s as having blocked the bot", user_id)
