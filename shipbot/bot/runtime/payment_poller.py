"""Checks open top-up invoices at the provider every so often: a callback that never arrived
is still credited, once (SPEC §3.4); then tells users any news still owed to them."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from shipbot.bot.notifications import tell_about_top_up
from shipbot.services.job_runs import INVOICE_POLLER, recording
from shipbot.services.topups import invoices_with_news, poll_open_invoices

if TYPE_CHECKING:
    from shipbot.bot.assembly import BotRuntime

log = logging.getLogger(__name__)


async def run_payment_poller(runtime: BotRuntime, every_seconds: float) -> None:
    while True:
        await asyncio.sleep(every_seconds)
        try:
            async with recording(runtime.database, INVOICE_POLLER):
                await poll_open_invoices(runtime.database, runtime.payments.provider)
                for invoice in await invoices_with_news(runtime.database):
                    await tell_about_top_up(runtime, invoice)
        except Exception:
            log.exception("invoice polling failed; will retry")
