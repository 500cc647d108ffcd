"""The ASGI application: webhook, operations endpoints, and (in the sandbox) the emulator."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import timedelta
from enum import StrEnum
from functools import partial

from aiogram.exceptions import TelegramUnauthorizedError
from fastapi import FastAPI
from starlette.middleware import Middleware

from shipbot.bot.assembly import BotRuntime
from shipbot.bot.polling import poll_updates
from shipbot.bot.runtime.housekeeping import run_housekeeping, run_stats_rollup
from shipbot.bot.runtime.leadership import lead
from shipbot.bot.runtime.payment_poller import run_payment_poller
from shipbot.config import ConfigError, PaymentProviderChoice, Settings
from shipbot.db import migrate
from shipbot.db.database import Database
from shipbot.providers.payments import build_payments
from shipbot.services.broadcast_sender import BroadcastWorker
from shipbot.web import operations, webhook
from shipbot.web import payments as payment_callbacks
from shipbot.web.admin import include_admin
from shipbot.web.draining import Drain
from shipbot.web.security_headers import SecurityHeaders

log = logging.getLogger(__name__)

StartupHook = Callable[[FastAPI, BotRuntime], Awaitable[None]]


class UpdateSource(StrEnum):
    WEBHOOK = "webhook"  # serve, sandbox: Telegram posts updates to /api/telegram/webhook
    POLLING = "polling"  # poll: the program fetches them with getUpdates


def background_jobs(runtime: BotRuntime) -> list[Callable[[], Awaitable[None]]]:
    """What runs beside the updates, on one process at a time (the leader)."""
    settings = runtime.settings
    return [
        partial(
            runtime.purchases.reconcile_forever,
            settings.invoice_poll_seconds,
            timedelta(seconds=settings.purchase_grace_seconds),
        ),
        partial(run_housekeeping, runtime.database),
        partial(run_stats_rollup, runtime.database),
        partial(run_payment_poller, runtime, settings.invoice_poll_seconds),
    ]


def create_app(
    settings: Settings,
    *,
    updates: UpdateSource = UpdateSource.WEBHOOK,
    register_webhook: bool = True,
    on_startup: StartupHook | None = None,
    on_shutdown: Callable[[], Awaitable[None]] | None = None,
    guards: Sequence[Middleware] = (),
) -> FastAPI:
    """The whole program, for every way of running it: the database with its pool and
    migrations, the providers, the bot, the background jobs, the payment callback and the
    operations endpoints; `updates` says where updates come from. `guards` run inside the
    security headers, so their refusals carry them too."""
    settings.require("bot_token")
    if updates is UpdateSource.WEBHOOK:
        settings.require("webhook_secret")
    # Built here rather than at start-up (neither connects yet): the sandbox payment page
    # serves this provider, and its invoices live in this database.
    database = Database(
        settings.database_url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
    )
    payments = build_payments(settings, database)
    drain = Drain()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await migrate.upgrade(database)
        runtime = BotRuntime.build(settings, database, payments)
        app.state.runtime = runtime
        background: list[asyncio.Task] = []
        try:
            if on_startup is not None:
                await on_startup(app, runtime)
            if updates is UpdateSource.POLLING:
                await runtime.publish_commands()
                background.append(asyncio.create_task(poll_updates(runtime, drain)))
            elif register_webhook:
                await _register_webhook(runtime)
            background.append(asyncio.create_task(lead(database, background_jobs(runtime))))
            # Every replica sends broadcasts: they share the work through the database.
            worker = BroadcastWorker(database, runtime.bot, settings.broadcast_rate)
            background.append(asyncio.create_task(worker.run_forever()))
            yield
        finally:
            for task in background:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            if on_shutdown is not None:
                await on_shutdown()
            await runtime.close()
            await database.dispose()

    app = FastAPI(
        title="shipbot", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None
    )
    for guard in guards:
        app.add_middleware(guard.cls, *guard.args, **guard.kwargs)
    app.state.drain = drain
    app.add_middleware(SecurityHeaders)
    if updates is UpdateSource.WEBHOOK:
        app.include_router(webhook.router)
    app.include_router(payment_callbacks.router)
    app.include_router(operations.router)
    include_admin(app)
    if settings.payment_provider is PaymentProviderChoice.SANDBOX:
        from shipbot.sandbox.payments_page import payment_page_router

        app.include_router(payment_page_router(payments.provider))
    return app


async def _register_webhook(runtime: BotRuntime) -> None:
    try:
        await runtime.set_webhook()
        await runtime.publish_commands()
    except TelegramUnauthorizedError:
        raise ConfigError("BOT_TOKEN", "was rejected by the Bot API (Unauthorized)") from None
    log.info("webhook set to %s", runtime.settings.webhook_url)
