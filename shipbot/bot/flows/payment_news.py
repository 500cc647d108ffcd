"""What the chat shows when a top-up's payment arrives (SPEC §3.3, §3.4), outside the user's
updates (called under the chat's lock by bot/notifications.py).

The screen the user is on is brought up to date in place, so the chat keeps one live prompt
with its buttons (G4):
- on the invoice, or back on the payment screen of the order the top-up was opened for: that
  order's payment screen, with the news on top, so the next press is Pay;
- on the invoice of any other top-up: the invoice with its new status and its buttons.
Anywhere else the invoice message, once it is no longer the live prompt, shows its new status
without buttons, and the news comes as a message of its own.
"""

from __future__ import annotations

from contextlib import suppress

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.fsm.context import FSMContext

from shipbot.bot.flows.balance import invoice_prompt
from shipbot.bot.flows.chat_state import ChatState
from shipbot.bot.flows.dialog import db, show_unprompted
from shipbot.bot.flows.rates import ask_to_pay
from shipbot.bot.flows.states import Money, Rates
from shipbot.bot.runtime.prompts import live_prompt_id
from shipbot.bot.runtime.scope import current_scope
from shipbot.bot.ui import balance_texts as texts
from shipbot.db.models import Invoice, Order
from shipbot.domain.orders import OrderStatus
from shipbot.services import quoting


async def show_payment_news(
    bot: Bot, state: FSMContext, invoice: Invoice, news: str | None
) -> None:
    chat = await ChatState.load(state)
    step = await state.get_state()
    on_invoice = step == Money.invoice.state and chat.balance.invoice_id == invoice.id
    on_order = (
        invoice.order_id is not None
        and step == Rates.ordered.state
        and chat.rates.order_id == invoice.order_id
    )
    live = await live_prompt_id(current_scope())
    if invoice.message_id is not None and invoice.message_id != live:
        # An old message: showing its new status is a courtesy, not worth failing the news for.
        with suppress(TelegramBadRequest):
            await bot.edit_message_text(
                texts.invoice(invoice), chat_id=invoice.chat_id, message_id=invoice.message_id
            )
    if live is not None and (on_invoice or on_order):
        order = await _order_awaiting_payment(invoice)
        if news and order is not None:
            chat.rates.order_id = order.id
            chat.end_at(Rates.ordered.state)
            await show_unprompted(bot, state, chat, Rates.ordered, ask_to_pay, intro=news)
            return
        if on_invoice:
            await show_unprompted(bot, state, chat, Money.invoice, invoice_prompt, intro=news)
            return
    if news:
        await bot.send_message(invoice.chat_id, news)


async def _order_awaiting_payment(invoice: Invoice) -> Order | None:
    if invoice.order_id is None:
        return None
    order = await quoting.find_order(db(), invoice.user_id, invoice.order_id)
    return order if order is not None and order.status == OrderStatus.QUOTED else None
