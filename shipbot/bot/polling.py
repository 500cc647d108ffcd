"""Long polling for local development: the same processor as the webhook, fed by getUpdates.

Updates are processed one after another; offsets are confirmed only after processing, so a
crash re-reads them and the dedup record keeps them from taking effect twice.
"""

from __future__ import annotations

import logging

from shipbot.bot.assembly import ALLOWED_UPDATES, BotRuntime
from shipbot.config import Settings
from shipbot.db import migrate
from shipbot.db.database import Database

log = logging.getLogger(__name__)
POLL_TIMEOUT_SECONDS = 30


async def run_polling(settings: Settings) -> None:
    database = Database(settings.database_url)
    await migrate.upgrade(database)
    runtime = BotRuntime.build(settings, database)
    try:
        await runtime.publish_commands()
        log.info("polling for updates; press Ctrl+C to stop")
        offset = None
        while True:
            updates = await runtime.bot.get_updates(
                offset=offset,
                timeout=POLL_TIMEOUT_SECONDS,
                allowed_updates=ALLOWED_UPDATES,
                request_timeout=POLL_TIMEOUT_SECONDS + 10,
            )
            for update in updates:
                await runtime.processor.process(update)
                offset = update.update_id + 1
    finally:
        await runtime.close()
        await database.dispose()
