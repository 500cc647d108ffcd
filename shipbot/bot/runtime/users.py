"""Every update registers or refreshes its user, in the update's own transaction."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject

from shipbot.bot.runtime.scope import current_scope
from shipbot.services.users import register_user


class UserMiddleware(BaseMiddleware):
    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        telegram_user = data.get("event_from_user")
        scope = current_scope()
        if telegram_user is not None and scope is not None and not telegram_user.is_bot:
            data["user"] = register_user(scope.session, telegram_user, known=scope.user)
        return await handler(event, data)
