"""Messages the bot sends on its own, outside a user's update: a top-up that arrived.

They run under the chat's lock, like an update, and update the screen the user is on (see
bot/flows/payment_news.py). A failure to deliver one is logged and changes nothing already
committed.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from aiogram.exceptions import TelegramAPIError

from shipbot.bot.flows.payment_news import show_payment_news
from shipbot.bot.ui import balance_texts as texts

if TYPE_CHECKING:
    from shipbot.bot.assembly import BotRuntime
    from shipbot.services.topups import Credit

log = logging.getLogger(__name__)


async def tell_about_top_up(runtime: BotRuntime, credit: Credit) -> None:
    invoice = credit.invoice
    try:
        async with runtime.processor.in_chat(invoice.chat_id, invoice.user_id) as scope:
            with runtime.i18n.context(), runtime.i18n.use_locale(scope.locale):
                news = texts.top_up_news(invoice, credit.credited_cents, credit.balance_cents)
                state = runtime.dispatcher.fsm.get_context(
                    runtime.bot, chat_id=invoice.chat_id, user_id=invoice.user_id
                )
                await show_payment_news(runtime.bot, state, invoice, news)
    except TelegramAPIError as error:
        log.warning("could not tell chat %s about %s: %s", invoice.chat_id, invoice.id, error)
    except Exception:
        # The credit is committed; a failure to tell must not turn the callback into a 500.
        log.exception("telling chat %s about %s failed", invoice.chat_id, invoice.id)
