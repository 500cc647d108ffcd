"""`shipbot sandbox`: the bot, the Bot API emulator and the web chat in one process and port.

Nothing leaves the machine: the bot's Bot API base URL points at the emulator mounted in the
same app, and the emulator delivers updates to the bot's real webhook endpoint over HTTP.
"""

from __future__ import annotations

import asyncio
import logging
import secrets

from aiogram.exceptions import TelegramNetworkError
from fastapi import FastAPI

from shipbot.bot.assembly import BotRuntime
from shipbot.config import Settings
from shipbot.sandbox.app import include_emulator
from shipbot.sandbox.emulator import SANDBOX_TOKEN, BotApiEmulator
from shipbot.web.app import create_app

log = logging.getLogger(__name__)

SANDBOX_DATABASE_URL = "sqlite+aiosqlite:///./data/sandbox.db"


def sandbox_settings(base: Settings, *, host: str, port: int) -> Settings:
    local = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    overrides = {
        "bot_token": SANDBOX_TOKEN,
        "telegram_api_url": f"http://{local}:{port}/sandbox/botapi",
        "webhook_base_url": f"http://{local}:{port}",
        "webhook_secret": secrets.token_urlsafe(32),
    }
    if "database_url" not in base.model_fields_set:
        overrides["database_url"] = SANDBOX_DATABASE_URL
    return base.model_copy(update=overrides)


async def _register_when_listening(runtime: BotRuntime) -> None:
    """setWebhook goes over HTTP to this very server, so it waits until the server listens."""
    while True:
        try:
            await runtime.set_webhook()
            await runtime.publish_commands()
            log.info("sandbox webhook set to %s", runtime.settings.webhook_url)
            return
        except TelegramNetworkError:
            await asyncio.sleep(0.2)


def create_sandbox_app(settings: Settings) -> FastAPI:
    emulator = BotApiEmulator(token=settings.require("bot_token"))
    background: set[asyncio.Task] = set()

    async def start(app: FastAPI, runtime: BotRuntime) -> None:
        await emulator.start()
        task = asyncio.create_task(_register_when_listening(runtime))
        background.add(task)
        task.add_done_callback(background.discard)

    app = create_app(settings, register_webhook=False, on_startup=start, on_shutdown=emulator.close)
    include_emulator(app, emulator)
    return app
