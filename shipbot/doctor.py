"""`shipbot doctor`: is this deployment able to serve? One verdict per line.

Each check says ok, warn or FAIL with what it saw; any FAIL makes the command exit non-zero,
so a deploy script can stop on it. Checks that need a valid configuration are skipped when
it is not.
"""

from __future__ import annotations

import shutil
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path

from aiogram import Bot
from aiogram.exceptions import AiogramError

from shipbot.bot.assembly import build_bot
from shipbot.config import ConfigError, Settings, load_settings
from shipbot.db import migrate
from shipbot.db.database import Database
from shipbot.providers.carriers import build_carrier
from shipbot.providers.carriers.base import CarrierError
from shipbot.providers.payments import build_payments
from shipbot.providers.payments.base import PaymentError

FREE_DISK_WARN = 1024**3
FREE_DISK_FAIL = 100 * 1024**2
RECENT_WEBHOOK_ERROR = timedelta(hours=1)


class Verdict(StrEnum):
    OK = "ok"
    WARN = "warn"
    FAIL = "FAIL"


@dataclass(frozen=True)
class Finding:
    check: str
    verdict: Verdict
    detail: str

    def line(self) -> str:
        return f"{self.verdict.value:<4}  {self.check}: {self.detail}"


async def examine() -> list[Finding]:
    try:
        settings = load_settings()
        settings.require("bot_token", "webhook_base_url", "webhook_secret")
        settings.require_providers()
    except ConfigError as error:
        return [Finding("configuration", Verdict.FAIL, f"{error.variable}: {error.problem}")]
    findings = [Finding("configuration", Verdict.OK, _providers(settings))]
    findings.append(await _guarded("database", lambda: _database(settings)))
    bot = build_bot(settings)
    try:
        findings.append(await _guarded("Bot API token", lambda: _token(bot)))
        findings.append(await _guarded("webhook", lambda: _webhook(bot, settings)))
    finally:
        await bot.session.close()
    findings.append(await _guarded("carrier", lambda: _carrier(settings)))
    findings.append(await _guarded("payments", lambda: _payments(settings)))
    findings.append(_disk(Path(settings.labels_dir)))
    return findings


async def _guarded(check: str, run: Callable[[], Awaitable[Finding]]) -> Finding:
    """A check that raises is a FAIL with what it raised, never a traceback."""
    try:
        return await run()
    except (AiogramError, CarrierError, PaymentError, OSError) as error:
        return Finding(check, Verdict.FAIL, _reason(error))
    except Exception as error:  # a driver's own error type: still one line
        return Finding(check, Verdict.FAIL, f"{type(error).__name__}: {_reason(error)}")


def _reason(error: Exception) -> str:
    return " ".join((getattr(error, "message", "") or str(error) or type(error).__name__).split())


def _providers(settings: Settings) -> str:
    return (
        f"payments {settings.payment_provider.value}, carrier {settings.carrier_provider.value}, "
        f"database {settings.database_url.split(':', 1)[0]}"
    )


async def _database(settings: Settings) -> Finding:
    database = Database(settings.database_url, pool_size=1, max_overflow=0)
    try:
        current, head = await migrate.current_revision(database), migrate.head_revision()
    finally:
        await database.dispose()
    if current != head:
        return Finding(
            "database", Verdict.FAIL, f"at migration {current}, head is {head}: run shipbot migrate"
        )
    return Finding("database", Verdict.OK, f"reachable, at the migration head {head}")


async def _token(bot: Bot) -> Finding:
    me = await bot.get_me()
    return Finding("Bot API token", Verdict.OK, f"@{me.username} (id {me.id})")


async def _webhook(bot: Bot, settings: Settings) -> Finding:
    info = await bot.get_webhook_info()
    pending = f"{info.pending_update_count} pending"
    if not info.url:
        return Finding("webhook", Verdict.WARN, f"not set yet ({pending}); serve sets it at start")
    if info.url != settings.webhook_url:
        return Finding(
            "webhook",
            Verdict.FAIL,
            f"set to {info.url}, not {settings.webhook_url} ({pending}): run shipbot webhook set",
        )
    if info.last_error_date is not None:
        when = info.last_error_date.astimezone(UTC)
        recent = datetime.now(UTC) - when < RECENT_WEBHOOK_ERROR
        detail = f"{info.url}, {pending}, last error {when:%Y-%m-%d %H:%M} UTC: "
        detail += info.last_error_message or "no message"
        return Finding("webhook", Verdict.WARN if recent else Verdict.OK, detail)
    return Finding("webhook", Verdict.OK, f"{info.url}, {pending}, no error reported")


async def _carrier(settings: Settings) -> Finding:
    carrier = build_carrier(settings)
    try:
        services = await carrier.list_services()
    finally:
        await carrier.close()
    carriers = sorted({service.carrier_name for service in services})
    if not services:
        return Finding("carrier", Verdict.FAIL, "answers, but offers no service")
    return Finding(
        "carrier", Verdict.OK, f"{len(services)} services from {', '.join(carriers)}"
    )


async def _payments(settings: Settings) -> Finding:
    database = Database(settings.database_url)  # the sandbox keeps its invoices there
    provider = build_payments(settings, database).provider
    try:
        currencies = await provider.accepted_currencies()
    finally:
        await provider.close()
        await database.dispose()
    shown = ", ".join(currencies[:8]) + (" …" if len(currencies) > 8 else "")
    return Finding("payments", Verdict.OK, f"key accepted; payers may use {shown or 'nothing'}")


def _disk(labels: Path) -> Finding:
    existing = next(path for path in (labels, *labels.resolve().parents) if path.exists())
    free = shutil.disk_usage(existing).free
    detail = f"{free / 1024**3:.1f} GiB free for {labels}"
    if free < FREE_DISK_FAIL:
        return Finding("label storage", Verdict.FAIL, detail)
    return Finding("label storage", Verdict.WARN if free < FREE_DISK_WARN else Verdict.OK, detail)
