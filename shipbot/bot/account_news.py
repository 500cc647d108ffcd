"""Telling a user that an operator blocked or unblocked them, in their language, in a turn of
their chat (shipbot/bot/runtime/chats.py) like every message the bot sends on its own."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from aiogram.exceptions import TelegramAPIError

from shipbot.bot.ui import account_texts as texts
from shipbot.services import shop_settings

if TYPE_CHECKING:
    from shipbot.bot.assembly import BotRuntime

log = logging.getLogger(__name__)


async def tell_blocked(runtime: BotRuntime, user_id: int, blocked: bool) -> bool:
    """False if Telegram would not take the message (the panel says so); nothing is retried:
    a block is told once, the next message from the user meets the block itself."""
    i18n = runtime.i18n
    try:
        async with runtime.chats.in_chat(user_id, user_id) as scope:
            shop = await shop_settings.current(scope.session, runtime.shop_defaults)
            with i18n.context(), i18n.use_locale(scope.locale):
                text = texts.blocked(shop.support_contact) if blocked else texts.unblocked()
            await runtime.bot.send_message(user_id, text)
    except TelegramAPIError as error:
        log.warning("could not tell user %s about the block: %s", user_id, error)
        return False
    return True
