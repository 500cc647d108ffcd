"""`shipbot sandbox`: the bot, the Bot API emulator and the web chat in one process and port.

Nothing leaves the machine: the bot's Bot API base URL points at the emulator mounted in the
same app, and the emulator delivers updates to the bot's real webhook endpoint over HTTP.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import secrets
import sys

from aiogram.exceptions import TelegramNetworkError
from fastapi import FastAPI
from starlette.middleware import Middleware

from shipbot.bot.assembly import BotRuntime
from shipbot.config import CarrierProviderChoice, ConfigError, PaymentProviderChoice, Settings
from shipbot.sandbox.access import QUERY, SandboxAccess
from shipbot.sandbox.admin_login import USERNAME as ADMIN_USERNAME
from shipbot.sandbox.admin_login import sandbox_admin_password
from shipbot.sandbox.app import include_emulator
from shipbot.sandbox.emulator import SANDBOX_TOKEN, BotApiEmulator
from shipbot.web.app import create_app

log = logging.getLogger(__name__)

SANDBOX_DATABASE_URL = "sqlite+aiosqlite:///./data/sandbox.db"


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def sandbox_settings(base: Settings, *, host: str, port: int) -> Settings:
    """The sandbox's own settings over the environment's: sandbox providers, always."""
    exposed = not is_loopback(host)
    if exposed and base.sandbox_access_token is None:
        raise ConfigError(
            "SANDBOX_ACCESS_TOKEN",
            f"is required to listen on {host}: the sandbox's chats and control API would be "
            "open to anyone who reaches the port (or use --host 127.0.0.1)",
        )
    local = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    overrides = {
        "payment_provider": PaymentProviderChoice.SANDBOX,
        "carrier_provider": CarrierProviderChoice.SANDBOX,
        # Exposed, the emulated Bot API is guarded by nothing but the token in its URL.
        "bot_token": f"123456789:{secrets.token_urlsafe(32)}" if exposed else SANDBOX_TOKEN,
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
        password = await sandbox_admin_password(runtime.database)
        print(
            f"shipbot sandbox: admin panel {settings.public_base_url}/admin "
            f"(user {ADMIN_USERNAME}, password {password})",
            file=sys.stderr,
            flush=True,
        )
        task = asyncio.create_task(_register_when_listening(runtime))
        background.add(task)
        task.add_done_callback(background.discard)

    token = settings.sandbox_access_token
    app = create_app(
        settings,
        register_webhook=False,
        on_startup=start,
        on_shutdown=emulator.close,
        guards=[Middleware(SandboxAccess, token=token)] if token else (),
    )
    include_emulator(app, emulator)
    return app


def chat_page_url(settings: Settings) -> str:
    """Where a person opens the sandbox, with the access token when it asks for one."""
    url = f"{settings.public_base_url}/sandbox"
    token = settings.sandbox_access_token
    return f"{url}?{QUERY}={token}" if token else url
