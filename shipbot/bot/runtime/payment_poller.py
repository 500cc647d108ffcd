"""Checks open top-up invoices at the provider every so often: a callback that never arrived
is still credited, once, and the user told (SPEC §3.4)."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from shipbot.bot.notifications import tell_about_top_up
from shipbot.services.topups import poll_open_invoices

if TYPE_CHECKING:
    from shipbot.bot.assembly import BotRuntime

log = logging.getLogger(__name__)


async def run_payment_poller(runtime: BotRuntime, every_seconds: float) -> None:
    while True:
        await asyncio.sleep(every_seconds)
        try:
            for credit in await poll_open_invoices(runtime.database, runtime.payments.provider):
                await tell_about_top_up(runtime, credit)
        except Exception:
            log.exception("invoice polling failed; will retry")
