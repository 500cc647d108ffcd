"""Messages the bot sends on its own, outside a user's update: a top-up that arrived.

They run under the chat's lock, like an update, and update the screen the user is on (see
bot/flows/payment_news.py). What the user was told is recorded on the invoice in the same
transaction, so news that a crash or a failed message kept from them is told by the payment
poller later (G2), and never twice.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from aiogram.exceptions import TelegramAPIError, TelegramForbiddenError

from shipbot.bot.flows.payment_news import show_payment_news
from shipbot.bot.ui import balance_texts as texts
from shipbot.db.models import Invoice
from shipbot.services import ledger, topups

if TYPE_CHECKING:
    from shipbot.bot.assembly import BotRuntime

log = logging.getLogger(__name__)


async def tell_about_top_up(runtime: BotRuntime, invoice: Invoice) -> None:
    """Tell the user what they have not been told about the invoice yet, once: under the chat's
    lock the invoice is read again, and what was told is committed with the chat's new state."""
    chat_id, user_id, invoice_id = invoice.chat_id, invoice.user_id, invoice.id
    try:
        async with runtime.processor.in_chat(chat_id, user_id) as scope:
            current = await scope.session.get(Invoice, invoice_id)
            if not topups.news_owed(current):
                return
            credited = current.credited_cents - current.told_cents
            balance = await ledger.balance_of(scope.session, user_id)
            state = runtime.dispatcher.fsm.get_context(
                runtime.bot, chat_id=chat_id, user_id=user_id
            )
            with runtime.i18n.context(), runtime.i18n.use_locale(scope.locale):
                news = texts.top_up_news(current, credited, balance)
                try:
                    await show_payment_news(runtime.bot, state, current, news)
                except TelegramForbiddenError:
                    log.info("chat %s blocked the bot: news about %s dropped", chat_id, invoice_id)
            topups.mark_told(current)
    except TelegramAPIError as error:
        # Telegram unreachable or refusing for now: the news stays owed; the poller tries again.
        log.warning("could not tell chat %s about %s: %s", chat_id, invoice_id, error)
    except Exception:
        log.exception(
            "telling chat %s about %s failed; the poller tries again", chat_id, invoice_id
        )
