"""Processes one Telegram update exactly once in effect (G1, G2, G3).

    per-chat lock → already processed? → run the handlers → commit effects + dedup record

The dedup record is written in the same transaction as the update's effects and FSM state,
so a process that dies mid-update leaves nothing behind and Telegram's redelivery runs the
update again; a redelivery of a finished update finds the record and is dropped. The lock
makes "check, run, commit" atomic per chat, also across processes on PostgreSQL.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from enum import StrEnum

from aiogram import Bot, Dispatcher
from aiogram.types import Update
from aiogram.types.update import UpdateTypeLookupError
from aiogram.utils.i18n import I18n
from sqlalchemy.exc import IntegrityError

from shipbot import metrics
from shipbot.bot.runtime.apology import apologise
from shipbot.bot.runtime.locks import ProcessChatLocks, lock_chat_across_processes
from shipbot.bot.runtime.scope import UpdateScope, enter_scope, leave_scope
from shipbot.db.database import Database
from shipbot.db.models import ProcessedUpdate
from shipbot.logs import chat_id_var, update_id_var

log = logging.getLogger(__name__)


class Outcome(StrEnum):
    HANDLED = "handled"
    FAILED = "failed"  # a handler raised; the user was told, the update is done
    DUPLICATE = "duplicate"


def chat_key(update: Update) -> tuple[int | None, int]:
    """The chat an update belongs to, and the key that serialises it."""
    try:
        event = update.event
    except UpdateTypeLookupError:  # a type this version of aiogram does not know
        return None, -update.update_id
    chat = getattr(event, "chat", None) or getattr(getattr(event, "message", None), "chat", None)
    if chat is not None:
        return chat.id, chat.id
    user = getattr(event, "from_user", None)
    if user is not None:
        return None, user.id
    return None, -update.update_id


class UpdateProcessor:
    def __init__(self, dispatcher: Dispatcher, bot: Bot, database: Database, i18n: I18n) -> None:
        self.dispatcher = dispatcher
        self.i18n = i18n
        self.bot = bot
        self.database = database
        self.locks = ProcessChatLocks()
        self.last_update_at: datetime | None = None
        self.counts = {outcome: 0 for outcome in Outcome}

    async def process(self, update: Update) -> Outcome:
        chat_id, key = chat_key(update)
        update_id_var.set(update.update_id)
        chat_id_var.set(chat_id)
        started = time.perf_counter()
        async with self.locks.hold(key):
            outcome = await self._process_locked(update, chat_id, key)
        metrics.HANDLER_SECONDS.observe(time.perf_counter() - started)
        metrics.UPDATES.labels(outcome.value).inc()
        self.counts[outcome] += 1
        self.last_update_at = datetime.now(UTC)
        return outcome

    async def _process_locked(self, update: Update, chat_id: int | None, key: int) -> Outcome:
        async with self.database.sessions() as session:
            if not self.database.is_sqlite:
                await lock_chat_across_processes(session, key)
            if await session.get(ProcessedUpdate, update.update_id) is not None:
                return self._duplicate()
            scope = UpdateScope(
                session=session, bot_id=self.bot.id, update_id=update.update_id, chat_id=chat_id
            )
            token = enter_scope(scope)
            # A savepoint lets a failed handler's writes go while the transaction, and with it
            # the PostgreSQL chat lock, stays until the dedup record is committed.
            savepoint = None if self.database.is_sqlite else await session.begin_nested()
            try:
                await self.dispatcher.feed_update(self.bot, update)
            except Exception:
                log.exception("handler failed")
                metrics.ERRORS.inc()
                await (savepoint.rollback() if savepoint else session.rollback())
                session.expunge_all()
                await apologise(self.bot, self.i18n, update, chat_id, scope.locale)
                outcome = Outcome.FAILED
            else:
                outcome = Outcome.HANDLED
            finally:
                leave_scope(token)
            session.add(
                ProcessedUpdate(update_id=update.update_id, chat_id=chat_id, outcome=outcome)
            )
            try:
                await self.database.commit(session)
            except IntegrityError:
                # Only without a cross-process lock (SQLite shared by two processes).
                await session.rollback()
                if await session.get(ProcessedUpdate, update.update_id) is None:
                    raise
                return self._duplicate()
            return outcome

    @staticmethod
    def _duplicate() -> Outcome:
        metrics.DUPLICATES.inc()
        log.info("duplicate update dropped")
        return Outcome.DUPLICATE
