"""Label purchases as background jobs (SPEC §3.3, G8): the Pay press commits the order's move
to `purchasing` with its hold and answers at once; the job buys the label, settles the hold,
sends the PDF, and tells the operator."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from dataclasses import dataclass, field
from datetime import timedelta

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramForbiddenError
from aiogram.types import BufferedInputFile
from aiogram.utils.i18n import I18n

from shipbot.bot.ui import purchase_texts as texts
from shipbot.bot.ui.i18n import stored_locale
from shipbot.db.database import Database
from shipbot.db.models import Order, User
from shipbot.domain.money import format_usd
from shipbot.domain.orders import RefundWindows
from shipbot.providers.carriers.base import CarrierProvider
from shipbot.services.label_files import LabelFiles
from shipbot.services.purchase import (
    finish_purchase,
    mark_told,
    reconcile_purchases,
    untold_outcomes,
)
from shipbot.services.quoting import PricedRate

log = logging.getLogger(__name__)
# Within compose's stop grace period (40 s) after uvicorn's 30 s for updates in flight.
PURCHASE_DRAIN_SECONDS = 10


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


@dataclass
class PurchaseJobs:
    database: Database
    carrier: CarrierProvider
    label_files: LabelFiles
    bot: Bot
    i18n: I18n
    admin_chat_id: int | None
    refund_windows: RefundWindows
    # Test hook (ENABLE_TEST_HOOKS): die by SIGKILL once the label is bought, before settling.
    kill_after_label: bool = False
    running: set[asyncio.Task] = field(default_factory=set)

    def start(self, order_id: str, chat_id: int, message_id: int, locale: str) -> None:
        task = asyncio.create_task(self._run(order_id, chat_id, message_id, locale))
        self.running.add(task)
        task.add_done_callback(self.running.discard)

    async def _run(self, order_id: str, chat_id: int, message_id: int, locale: str) -> None:
        try:
            order = await finish_purchase(
                self.database,
                self.carrier,
                self.label_files,
                order_id,
                after_label=_die if self.kill_after_label else None,
                windows=self.refund_windows,
            )
            await self._announce(order, chat_id, message_id, locale)
        except Exception:
            log.exception("purchase job for order %s failed", order_id)

    async def reconcile_forever(self, every_seconds: float, grace: timedelta) -> None:
        """Settle what a crash left in `purchasing`, and tell each user how it ended."""
        while True:
            await self.reconcile(grace)
            await asyncio.sleep(every_seconds)

    async def reconcile(self, grace: timedelta) -> None:
        try:
            settled = await reconcile_purchases(
                self.database, self.carrier, self.label_files, grace, self.refund_windows
            )
            for order in settled:
                log.info("order %s reconciled: %s", order.id, order.status)
            for order in settled + await untold_outcomes(self.database, grace):
                # Private chats: the chat id is the user id. The old progress message is
                # left as it is; the outcome comes as a new message.
                await self._announce(order, order.user_id, None, await self._locale(order))
        except Exception:
            log.exception("reconciling purchases failed")

    async def _locale(self, order: Order) -> str:
        async with self.database.sessions() as session:
            return stored_locale(await session.get(User, order.user_id), self.i18n)

    async def _announce(
        self, order: Order, chat_id: int, message_id: int | None, locale: str
    ) -> None:
        """Tell the user and the operator, then record it; untold, it is told again later."""
        if await self._deliver(order, chat_id, message_id, locale):
            await mark_told(self.database, order.id)
            await self._tell_operator(order, PricedRate.from_dict(order.rate))

    async def _deliver(
        self, order: Order, chat_id: int, message_id: int | None, locale: str
    ) -> bool:
        rate = PricedRate.from_dict(order.rate)
        with self.i18n.context(), self.i18n.use_locale(locale):
            if order.status == "purchased":
                status, caption = texts.bought(order, rate), texts.caption(order, rate)
            else:
                status, caption = texts.failed(order), None
        try:
            if message_id is None:
                await self.bot.send_message(chat_id, status)
            else:
                await self.bot.edit_message_text(status, chat_id=chat_id, message_id=message_id)
            if caption is not None:
                pdf = self.label_files.read(order.label_id)
                document = BufferedInputFile(pdf, filename=f"{order.tracking_number}.pdf")
                await self.bot.send_document(chat_id, document, caption=caption)
        except TelegramForbiddenError:
            log.info("chat %s blocked the bot: order %s not delivered", chat_id, order.id)
        except TelegramAPIError as error:
            log.warning("could not deliver order %s to chat %s: %s", order.id, chat_id, error)
            return False
        return True

    async def _tell_operator(self, order: Order, rate: PricedRate) -> None:
        if self.admin_chat_id is None:
            return
        if order.status == "purchased":
            text = (
                f"Label bought: order {order.id}, user {order.user_id}, {rate.service_name}, "
                f"{format_usd(order.price_cents)}, tracking {order.tracking_number}"
            )
        else:
            text = f"Label purchase failed: order {order.id}, user {order.user_id}: " + (
                order.failure_reason or "unknown reason"
            )
        try:
            await self.bot.send_message(self.admin_chat_id, text, parse_mode=None)
        except TelegramAPIError as error:
            log.warning("could not notify the admin chat: %s", error)

    async def close(self) -> None:
        """Let purchases in flight finish (a label bought is delivered now, not by the
        reconciler after the restart); cancel what the deadline cuts off."""
        if self.running:
            await asyncio.wait(list(self.running), timeout=PURCHASE_DRAIN_SECONDS)
        for task in list(self.running):
            task.cancel()
