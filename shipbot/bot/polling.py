"""Long polling for local development: the same program as the webhook, fed by getUpdates.

Updates are processed one after another; offsets are confirmed only after processing, so a
crash re-reads them and the dedup record keeps them from taking effect twice. An update the
Bot API kept from finishing is read again after a pause, like Telegram's redelivery. Draining,
the loop takes no new batch; the long poll itself is cut off by the shutdown, which loses
nothing since its updates were not confirmed.
"""

from __future__ import annotations

import asyncio
import logging
import signal

from aiogram.exceptions import TelegramConflictError

from shipbot.bot.assembly import ALLOWED_UPDATES, BotRuntime
from shipbot.bot.runtime.processor import TRANSIENT_BOT_API_ERRORS, RetryLater
from shipbot.web.draining import Drain

log = logging.getLogger(__name__)
POLL_TIMEOUT_SECONDS = 30
RETRY_PAUSE_SECONDS = 5


async def poll_updates(runtime: BotRuntime, drain: Drain) -> None:
    offset = None
    log.info("polling for updates; press Ctrl+C to stop")
    while not drain.draining:
        try:
            updates = await runtime.bot.get_updates(
                offset=offset,
                timeout=POLL_TIMEOUT_SECONDS,
                allowed_updates=ALLOWED_UPDATES,
                request_timeout=POLL_TIMEOUT_SECONDS + 10,
            )
        except TelegramConflictError:
            log.error("another poller or a webhook took this bot's updates: the server stops")
            signal.raise_signal(signal.SIGTERM)
            return
        except TRANSIENT_BOT_API_ERRORS as error:
            log.warning("getUpdates failed, trying again: %s", error)
            await asyncio.sleep(RETRY_PAUSE_SECONDS)
            continue
        for update in updates:
            try:
                with drain.update():
                    await runtime.processor.process(update)
            except RetryLater:
                await asyncio.sleep(RETRY_PAUSE_SECONDS)
                break
            offset = update.update_id + 1
