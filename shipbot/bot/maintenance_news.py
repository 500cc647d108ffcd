"""Telling the users a maintenance period turned away that the bot is back: in the
background, a few messages a second (far below Telegram's limits, so the bot's own traffic
keeps its room), each in a turn of the user's chat like every message the bot sends on its own.

Not durable: a restart in the middle leaves the rest untold, who meet a working bot when they
next write anyway."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

from aiogram.exceptions import TelegramAPIError, TelegramRetryAfter

from shipbot.bot.ui import account_texts as texts

if TYPE_CHECKING:
    from shipbot.bot.assembly import BotRuntime

log = logging.getLogger(__name__)
MESSAGES_PER_SECOND = 5
_running: set[asyncio.Task] = set()


def tell_back(runtime: BotRuntime, user_ids: Sequence[int]) -> None:
    """Start telling them; returns at once."""
    task = asyncio.create_task(_tell_all(runtime, list(user_ids)))
    _running.add(task)
    task.add_done_callback(_running.discard)


async def _tell_all(runtime: BotRuntime, user_ids: list[int]) -> None:
    told = 0
    for user_id in user_ids:
        told += await _tell(runtime, user_id)
        await asyncio.sleep(1 / MESSAGES_PER_SECOND)
    log.info("told %d of %d users that maintenance is over", told, len(user_ids))


async def _tell(runtime: BotRuntime, user_id: int) -> bool:
    i18n = runtime.i18n
    for _attempt in range(3):
        try:
            async with runtime.chats.in_chat(user_id, user_id) as scope:
                with i18n.context(), i18n.use_locale(scope.locale):
                    text = texts.back_from_maintenance()
                await runtime.bot.send_message(user_id, text)
            return True
        except TelegramRetryAfter as busy:
            await asyncio.sleep(busy.retry_after)
        except TelegramAPIError as error:
            log.info("could not tell user %s that maintenance is over: %s", user_id, error)
            return False
    return False
