"""Telling a user what an operator did about their refund: a void asked on their behalf, or
the decision on a refused one. In their language, in a turn of their chat, like every message
the bot sends on its own (see account_news.py)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from aiogram.exceptions import TelegramAPIError

from shipbot.bot.ui import orders_texts as texts
from shipbot.services.refunds import Decision, RefundOutcome

if TYPE_CHECKING:
    from shipbot.bot.assembly import BotRuntime

log = logging.getLogger(__name__)


async def tell_refund_outcome(
    runtime: BotRuntime, user_id: int, order_id: str, outcome: RefundOutcome
) -> bool:
    """What the bot says when the user asks for the refund themselves, headed by the order."""
    return await _tell(
        runtime,
        user_id,
        lambda: texts.refund_outcome_of_order(
            order_id, outcome.status, outcome.message, outcome.amount_cents
        ),
    )


async def tell_refund_decision(
    runtime: BotRuntime,
    user_id: int,
    order_id: str,
    decision: Decision,
    amount_cents: int,
    note: str,
) -> bool:
    def text() -> str:
        if decision is Decision.GOODWILL:
            return texts.refund_goodwill(order_id, amount_cents, note)
        return texts.refund_closed(order_id, note)

    return await _tell(runtime, user_id, text)


async def _tell(runtime: BotRuntime, user_id: int, text) -> bool:
    """False if Telegram would not take the message (the panel says so); not retried: the
    decision stands and the user's refund list shows it."""
    i18n = runtime.i18n
    try:
        async with runtime.chats.in_chat(user_id, user_id) as scope:
            with i18n.context(), i18n.use_locale(scope.locale):
                message = text()
            await runtime.bot.send_message(user_id, message)
    except TelegramAPIError as error:
        log.warning("could not tell user %s about their refund: %s", user_id, error)
        return False
    return True
