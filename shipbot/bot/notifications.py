"""Messages the bot sends on its own, outside a user's update: a top-up that arrived.

They carry no keyboard, so they never add a second live keyboard to a chat (G4); a failure
to deliver one is logged and changes nothing already committed.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from aiogram.exceptions import TelegramAPIError

from shipbot.bot.ui import balance_texts as texts
from shipbot.bot.ui.i18n import pick_locale
from shipbot.db.models import User

if TYPE_CHECKING:
    from shipbot.bot.assembly import BotRuntime
    from shipbot.services.topups import Credit

log = logging.getLogger(__name__)


async def _locale_of(runtime: BotRuntime, user_id: int) -> str:
    async with runtime.database.sessions() as session:
        user = await session.get(User, user_id)
    chosen, telegram = (user.language, user.telegram_language) if user else (None, None)
    return pick_locale(chosen, telegram, set(runtime.i18n.available_locales))


async def tell_about_top_up(runtime: BotRuntime, credit: Credit) -> None:
    invoice = credit.invoice
    locale = await _locale_of(runtime, invoice.user_id)
    with runtime.i18n.context(), runtime.i18n.use_locale(locale):
        status_text = texts.invoice(invoice)
        news = texts.top_up_news(invoice, credit.credited_cents, credit.balance_cents)
    try:
        if invoice.message_id is not None:
            await runtime.bot.edit_message_text(
                status_text, chat_id=invoice.chat_id, message_id=invoice.message_id
            )
        if news:
            await runtime.bot.send_message(invoice.chat_id, news)
    except TelegramAPIError as error:
        log.warning("could not tell chat %s about %s: %s", invoice.chat_id, invoice.id, error)
