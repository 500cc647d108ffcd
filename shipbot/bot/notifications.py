"""Messages the bot sends on its own, outside a user's update: a top-up that arrived, and to
the admin chat a payment report held for review.

They run under the chat's lock, like an update, and update the screen the user is on (see
bot/flows/payment_news.py). What the user and the operator were told is recorded on the
invoice in the same transaction, so news that a crash or a failed message kept from them is
told by the payment poller later (G2), and never twice to the user. The operator's message is
a courtesy on top of the ERROR log and the invoice's review columns: one Telegram refused is
logged, not retried, so that it cannot make the user's news be told again.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from aiogram.exceptions import TelegramAPIError, TelegramForbiddenError

from shipbot.bot.flows.payment_news import show_payment_news
from shipbot.bot.ui import balance_texts as texts
from shipbot.db.models import Invoice
from shipbot.domain.money import format_usd
from shipbot.services import ledger, topups

if TYPE_CHECKING:
    from shipbot.bot.assembly import BotRuntime
    from shipbot.bot.runtime.scope import UpdateScope

log = logging.getLogger(__name__)


async def tell_about_top_up(runtime: BotRuntime, invoice: Invoice) -> None:
    """Tell the user, and the operator a new reason for review, what they have not been told
    about the invoice yet: under the chat's lock the invoice is read again, and what was told
    is committed with the chat's new state."""
    chat_id, user_id, invoice_id = invoice.chat_id, invoice.user_id, invoice.id
    try:
        async with runtime.chats.in_chat(chat_id, user_id) as scope:
            current = await scope.session.get(Invoice, invoice_id)
            if topups.news_owed(current):
                await _tell_user(runtime, scope, current)
            if topups.review_news_owed(current) and current.review_reason:
                await _tell_operator(runtime, current)
            topups.mark_told(current)
    except TelegramAPIError as error:
        # Telegram unreachable or refusing for now: the news stays owed; the poller tries again.
        log.warning("could not tell chat %s about %s: %s", chat_id, invoice_id, error)
    except Exception:
        log.exception(
            "telling chat %s about %s failed; the poller tries again", chat_id, invoice_id
        )


async def _tell_user(runtime: BotRuntime, scope: UpdateScope, invoice: Invoice) -> None:
    chat_id, user_id = invoice.chat_id, invoice.user_id
    credited = invoice.credited_cents - invoice.told_cents
    balance = await ledger.balance_of(scope.session, user_id)
    state = runtime.dispatcher.fsm.get_context(runtime.bot, chat_id=chat_id, user_id=user_id)
    with runtime.i18n.context(), runtime.i18n.use_locale(scope.locale):
        news = texts.top_up_news(invoice, credited, balance)
        try:
            await show_payment_news(runtime.bot, state, invoice, news)
        except TelegramForbiddenError:
            log.info("chat %s blocked the bot: news about %s dropped", chat_id, invoice.id)


async def _tell_operator(runtime: BotRuntime, invoice: Invoice) -> None:
    admin_chat_id = runtime.settings.admin_chat_id
    if admin_chat_id is None:
        return
    text = (
        f"Top-up held for review: invoice {invoice.id}, user {invoice.user_id}, track_id "
        f"{invoice.track_id}, amount {format_usd(invoice.amount_cents)}, credited "
        f"{format_usd(invoice.credited_cents)}, held {format_usd(invoice.held_cents)}: "
        f"{invoice.review_reason}"
    )
    try:
        await runtime.bot.send_message(admin_chat_id, text, parse_mode=None)
    except TelegramAPIError as error:
        log.warning("could not tell the admin chat about %s: %s", invoice.id, error)
