"""Label purchases as background jobs (SPEC §3.3, G8): the Pay press commits the order's move
to `purchasing` with its hold and answers at once; the job buys the label, settles the hold,
sends the PDF, and tells the operator."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import timedelta

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramForbiddenError
from aiogram.types import BufferedInputFile

from shipbot.bot.runtime.chats import ChatTurns
from shipbot.bot.runtime.prompts import live_prompt_id
from shipbot.bot.runtime.scope import UpdateScope
from shipbot.bot.ui import purchase_texts as texts
from shipbot.db.database import Database
from shipbot.db.models import Order
from shipbot.domain.money import format_usd
from shipbot.domain.orders import RefundWindows
from shipbot.providers.carriers.base import CarrierProvider
from shipbot.services import shop_settings
from shipbot.services.job_runs import PURCHASE_RECONCILER, recording
from shipbot.services.label_files import LabelFiles
from shipbot.services.purchase import (
    finish_purchase,
    mark_told,
    reconcile_purchases,
    untold_outcomes,
)
from shipbot.services.quoting import PricedRate
from shipbot.services.shop_settings import ShopSettings

log = logging.getLogger(__name__)
# Within compose's stop grace period (40 s), after the 20 s drain and 5 s for connections (cli.py).
PURCHASE_DRAIN_SECONDS = 10


@dataclass
class PurchaseJobs:
    chats: ChatTurns
    carrier: CarrierProvider
    label_files: LabelFiles
    admin_chat_id: int | None
    shop_defaults: ShopSettings
    running: set[asyncio.Task] = field(default_factory=set)

    @property
    def database(self) -> Database:
        return self.chats.database

    @property
    def bot(self) -> Bot:
        return self.chats.bot

    def start(self, order_id: str, chat_id: int, message_id: int | None) -> None:
        """Buy in the background; the outcome edits the progress message `message_id`, or
        comes as a new message without one (a label the operator bought from the panel)."""
        task = asyncio.create_task(self._run(order_id, chat_id, message_id))
        self.running.add(task)
        task.add_done_callback(self.running.discard)

    async def _run(self, order_id: str, chat_id: int, message_id: int | None) -> None:
        try:
            order = await finish_purchase(
                self.database,
                self.carrier,
                self.label_files,
                order_id,
                windows=await self._refund_windows(),
            )
            await self._announce(order, chat_id, message_id)
        except Exception:
            log.exception("purchase job for order %s failed", order_id)

    async def reconcile_forever(self, every_seconds: float, grace: timedelta) -> None:
        """Settle what a crash left in `purchasing`, and tell each user how it ended."""
        while True:
            await self.reconcile(grace)
            await asyncio.sleep(every_seconds)

    async def reconcile(self, grace: timedelta) -> None:
        try:
            async with recording(self.database, PURCHASE_RECONCILER):
                windows = await self._refund_windows()
                settled = await reconcile_purchases(
                    self.database, self.carrier, self.label_files, grace, windows
                )
                for order in settled:
                    log.info("order %s reconciled: %s", order.id, order.status)
                for order in settled + await untold_outcomes(self.database, grace):
                    # Private chats: the chat id is the user id. The progress message of a job
                    # a crash cut off is no longer known, so the outcome comes as a new message.
                    await self._announce(order, order.user_id, None)
        except Exception:
            log.exception("reconciling purchases failed")

    async def _refund_windows(self) -> RefundWindows:
        """As an owner set them last: a label's window is fixed when it is bought."""
        async with self.database.sessions() as session:
            return (await shop_settings.current(session, self.shop_defaults)).refund_windows

    async def _announce(self, order: Order, chat_id: int, progress_id: int | None) -> None:
        """Tell the user in a turn of their chat, recording that they were told in the same
        commit; untold, they are told again later. Then tell the operator."""
        async with self.chats.in_chat(chat_id, order.user_id) as scope:
            delivered = await self._deliver(scope, order, progress_id)
            if delivered:
                await mark_told(scope.session, order.id)
        if delivered:
            await self._tell_operator(order, PricedRate.from_dict(order.rate))

    async def _deliver(self, scope: UpdateScope, order: Order, progress_id: int | None) -> bool:
        rate = PricedRate.from_dict(order.rate)
        i18n = self.chats.i18n
        with i18n.context(), i18n.use_locale(scope.locale):
            if order.status == "purchased":
                status, caption = texts.bought(order, rate), texts.caption(order, rate)
            else:
                status, caption = texts.failed(order), None
        chat_id = scope.chat_id
        try:
            # The progress message is edited while it is still the live prompt; once the user
            # has moved on, editing it would change a screen behind their current one.
            if progress_id is not None and progress_id == await live_prompt_id(scope):
                await self.bot.edit_message_text(status, chat_id=chat_id, message_id=progress_id)
            else:
                await self.bot.send_message(chat_id, status)
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
