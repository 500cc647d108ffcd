"""The operator's controls at the door (SPEC §3.7): a blocked user, a user during
maintenance, and a flood of updates are turned away before any handler, FSM step or draft
check runs, so the conversation stays exactly where it was. The update is still recorded as
processed by the processor (G1); payment callbacks are not Telegram updates and never pass
here. Who is let in is decided in shipbot/services/operator_controls.py.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.types import CallbackQuery, TelegramObject
from sqlalchemy.ext.asyncio import AsyncSession

from shipbot.bot.runtime.scope import current_scope
from shipbot.bot.ui import account_texts as texts
from shipbot.bot.ui.callbacks import RatesAction
from shipbot.config import Settings
from shipbot.domain.flood import FloodPolicy
from shipbot.services import shop_settings
from shipbot.services.operator_controls import Admission, Gate, admit
from shipbot.services.shop_settings import ShopSettings


class OperatorGates(BaseMiddleware):
    """An outer middleware of messages and callback queries, after the user and the locale are
    known and before the stale-button and draft checks."""

    def __init__(self, settings: Settings, shop_defaults: ShopSettings) -> None:
        self.flood = FloodPolicy(
            settings.flood_limit, timedelta(seconds=settings.flood_window_seconds)
        )
        self.admin_chat_id = settings.admin_chat_id
        self.shop_defaults = shop_defaults

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        scope = current_scope()
        user = data.get("user")
        if scope is None or user is None or scope.chat_id is None:
            return await handler(event, data)
        admission = await admit(
            scope.session,
            user,
            scope.chat_id,
            flood=self.flood,
            admin_chat_id=self.admin_chat_id,
            is_purchase=_is_purchase(event),
        )
        if admission.admitted:
            return await handler(event, data)
        bot: Bot = data["bot"]
        if isinstance(event, CallbackQuery):
            await bot.answer_callback_query(event.id)
        if admission.notify:
            await bot.send_message(scope.chat_id, await self._notice(scope.session, admission))
        return None

    async def _notice(self, session: AsyncSession, admission: Admission) -> str:
        if admission.gate is Gate.BLOCKED:
            shop = await shop_settings.current(session, self.shop_defaults)
            return texts.blocked(shop.support_contact)
        if admission.gate is Gate.MAINTENANCE:
            return texts.maintenance(admission.maintenance_note)
        return texts.flooding()


def _is_purchase(event: TelegramObject) -> bool:
    """The Pay press of an order: flood control never drops it."""
    if not isinstance(event, CallbackQuery) or not event.data:
        return False
    try:
        return RatesAction.unpack(event.data).action == "pay"
    except (TypeError, ValueError):
        return False
