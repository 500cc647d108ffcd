"""Processes one Telegram update exactly once in effect (G1, G2, G3).

    per-chat lock → load the update's state (already processed? drop) → run the handlers
    → commit effects + dedup record

The dedup record is written in the same transaction as the update's effects and FSM state,
so a process that dies mid-update leaves nothing behind and Telegram's redelivery runs the
update again; a redelivery of a finished update finds the record and is dropped. The lock
makes "check, run, commit" atomic per chat, also across processes on PostgreSQL.

On SQLite the connection goes back to the pool between loading and committing: handlers
spend most of their time waiting on the Bot API, and a connection held through that wait
would tie up the small pool.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from aiogram import Dispatcher
from aiogram.exceptions import (
    ClientDecodeError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import Update
from aiogram.types.update import UpdateTypeLookupError
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from shipbot import metrics
from shipbot.bot.runtime.apology import apologise
from shipbot.bot.runtime.chats import ChatTurns
from shipbot.bot.runtime.locks import lock_chat_across_processes
from shipbot.bot.runtime.scope import UpdateScope, enter_scope, leave_scope, load_update_state
from shipbot.bot.runtime.webhook_reply import WebhookReply
from shipbot.bot.ui.i18n import pick_locale
from shipbot.db.models import ProcessedUpdate
from shipbot.logs import chat_id_var, update_id_var

log = logging.getLogger(__name__)


class RetryLater(Exception):
    """The Bot API could not be reached: nothing was committed, Telegram should redeliver."""


# The Bot API itself failing is not the handler's fault: the update is not done, so it is
# left for Telegram to redeliver rather than recorded as failed. ClientDecodeError is an
# answer that is not the Bot API's JSON, such as a proxy's HTML error page (any status).
TRANSIENT_BOT_API_ERRORS = (
    TelegramNetworkError,
    TelegramServerError,
    TelegramRetryAfter,
    ClientDecodeError,
)


class Outcome(StrEnum):
    HANDLED = "handled"
    FAILED = "failed"  # a handler raised; the user was told, the update is done
    DUPLICATE = "duplicate"
    IGNORED = "ignored"  # no person sent it: recorded, no handler runs


@dataclass(frozen=True)
class Owner:
    """Whose update it is: its chat, its user, and the key that serialises it.

    `user_id` is None when no person sent the update (a channel or an anonymous admin posting
    in a group, another bot, a type aiogram does not know): the bot answers people only.
    """

    chat_id: int | None
    user_id: int | None
    lock_key: int
    language_code: str | None = None


def owner_of(update: Update) -> Owner:
    try:
        event = update.event
    except UpdateTypeLookupError:  # a type this version of aiogram does not know
        return Owner(None, None, -update.update_id)
    chat = getattr(event, "chat", None) or getattr(getattr(event, "message", None), "chat", None)
    user = getattr(event, "from_user", None)
    if user is not None and user.is_bot:
        user = None
    chat_id = chat.id if chat else None
    user_id = user.id if user else None
    language = user.language_code if user else None
    return Owner(chat_id, user_id, chat_id or user_id or -update.update_id, language)


class UpdateProcessor:
    def __init__(self, dispatcher: Dispatcher, chats: ChatTurns) -> None:
        self.dispatcher = dispatcher
        self.chats = chats
        self.i18n = chats.i18n
        self.bot = chats.bot
        self.database = chats.database
        self.last_update_at: datetime | None = None
        self.counts = {outcome: 0 for outcome in Outcome}

    async def process(self, update: Update, reply: WebhookReply | None = None) -> Outcome:
        """`reply`, for an update that came by webhook, gets the call its answer may carry
        (see webhook_reply); it is set only when the update's effects are committed."""
        owner = owner_of(update)
        update_id_var.set(update.update_id)
        chat_id_var.set(owner.chat_id)
        started = time.perf_counter()
        async with self.chats.locks.hold(owner.lock_key):
            outcome = await self._process_locked(update, owner, reply)
        metrics.HANDLER_SECONDS.observe(time.perf_counter() - started)
        metrics.UPDATES.labels(outcome.value).inc()
        self.counts[outcome] += 1
        self.last_update_at = datetime.now(UTC)
        return outcome

    async def _process_locked(
        self, update: Update, owner: Owner, reply: WebhookReply | None
    ) -> Outcome:
        chat_id = owner.chat_id
        async with self.database.sessions() as session:
            if not self.database.is_sqlite:
                await lock_chat_across_processes(session, owner.lock_key)
            scope = UpdateScope(
                session=session,
                bot_id=self.bot.id,
                update_id=update.update_id,
                chat_id=chat_id,
                webhook_reply=reply,
            )
            if await load_update_state(scope, owner.user_id):
                await session.rollback()
                return await self._duplicate(update.update_id)
            if owner.user_id is None:
                log.info("update ignored: no person sent it")
                outcome = Outcome.IGNORED
            else:
                scope.locale = pick_locale(
                    scope.user.language if scope.user else None,
                    owner.language_code,
                    set(self.i18n.available_locales),
                )
                if self.database.is_sqlite:
                    await session.commit()  # nothing is written yet: this only frees the connection
                outcome = await self._run_handlers(update, scope)
            session.add(
                ProcessedUpdate(update_id=update.update_id, chat_id=chat_id, outcome=outcome)
            )
            try:
                await self.database.commit(session)
            except IntegrityError:
                # Only without a cross-process lock (SQLite shared by two processes).
                await session.rollback()
                if reply is not None:
                    reply.method = None  # the other process's attempt made the update's calls
                if await session.get(ProcessedUpdate, update.update_id) is None:
                    raise
                await session.rollback()
                return await self._duplicate(update.update_id)
            return outcome

    async def _run_handlers(self, update: Update, scope: UpdateScope) -> Outcome:
        session = scope.session
        token = enter_scope(scope)
        # A savepoint lets a failed handler's writes go while the transaction, and with it
        # the PostgreSQL chat lock, stays until the dedup record is committed.
        savepoint = None if self.database.is_sqlite else await session.begin_nested()
        try:
            await self.dispatcher.feed_update(self.bot, update)
        except TRANSIENT_BOT_API_ERRORS as error:
            log.warning("Bot API unavailable, leaving the update for redelivery: %s", error)
            await session.rollback()
            raise RetryLater from error
        except Exception:
            log.exception("handler failed")
            metrics.ERRORS.inc()
            await (savepoint.rollback() if savepoint else session.rollback())
            session.expunge_all()
            if scope.webhook_reply is not None:
                # The handler's calls went with its writes: its prompt stays the live one.
                scope.webhook_reply.method = None
            try:
                await apologise(self.bot, self.i18n, update, scope.chat_id, scope.locale)
            except TRANSIENT_BOT_API_ERRORS as error:
                log.warning("Bot API unavailable for the apology; leaving it for redelivery")
                await session.rollback()
                raise RetryLater from error
            return Outcome.FAILED
        finally:
            leave_scope(token)
        return Outcome.HANDLED

    async def _duplicate(self, update_id: int) -> Outcome:
        """Counted on the update's own record, where monitoring sees every replica's."""
        async with self.database.write_transaction() as session:
            await session.execute(
                update(ProcessedUpdate)
                .where(ProcessedUpdate.update_id == update_id)
                .values(duplicates=ProcessedUpdate.duplicates + 1)
            )
        metrics.DUPLICATES.inc()
        log.info("duplicate update dropped")
        return Outcome.DUPLICATE
