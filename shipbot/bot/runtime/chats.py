"""One turn at a time per chat (G1), whether a user's update or the bot acting on its own.

The processor runs each update inside a turn; a payment that arrived or a purchase that ended
is told inside one too (`in_chat`), so it never races the chat's updates over the live prompt
and the conversation state, and what it changed is committed together like an update.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiogram import Bot
from aiogram.utils.i18n import I18n

from shipbot.bot.runtime.locks import ProcessChatLocks, lock_chat_across_processes
from shipbot.bot.runtime.scope import UpdateScope, enter_scope, leave_scope
from shipbot.bot.ui.i18n import stored_locale
from shipbot.db.database import Database
from shipbot.db.models import User


class ChatTurns:
    def __init__(self, database: Database, bot: Bot, i18n: I18n) -> None:
        self.database = database
        self.bot = bot
        self.i18n = i18n
        self.locks = ProcessChatLocks()

    @asynccontextmanager
    async def in_chat(self, chat_id: int, user_id: int) -> AsyncIterator[UpdateScope]:
        """Act in a private chat outside an update: under the chat's lock, so no update of the
        chat runs meanwhile, and committed as one transaction when the block ends."""
        async with self.locks.hold(chat_id), self.database.sessions() as session:
            if not self.database.is_sqlite:
                await lock_chat_across_processes(session, chat_id)
            user = await session.get(User, user_id)
            scope = UpdateScope(
                session=session,
                bot_id=self.bot.id,
                update_id=0,
                chat_id=chat_id,
                user=user,
                locale=stored_locale(user, self.i18n),
            )
            token = enter_scope(scope)
            try:
                yield scope
            finally:
                leave_scope(token)
            await self.database.commit(session)
