"""Balance and top-ups (SPEC §3.4): the balance with the last ten operations, quick or typed
amounts, and an invoice at the payment provider with its Pay button and expiry. The invoice
message is edited when the payment arrives (see bot/notifications.py)."""

from __future__ import annotations

from html import escape

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from shipbot.bot.flows.new_label.conversation import Conversation
from shipbot.bot.flows.new_label.states import Money
from shipbot.bot.flows.new_label.steps import ANSWER, Event, cleaned, db, reask, renders, show_step
from shipbot.bot.runtime.prompts import show_prompt
from shipbot.bot.ui import balance_keyboards as keyboards
from shipbot.bot.ui import balance_texts as texts
from shipbot.bot.ui.callbacks import MenuAction, TopUpAmount
from shipbot.db.models import User
from shipbot.domain.money import TOP_UP_MAX_CENTS, TOP_UP_MIN_CENTS, clean_top_up
from shipbot.providers.payments.base import PaymentRejected, PaymentUnavailable
from shipbot.services import ledger, topups
from shipbot.services.topups import Payments

router = Router(name="balance")


@renders(Money.balance)
async def _balance(convo: Conversation, user_id: int):
    balance = await ledger.balance_of(db(), user_id)
    entries = await ledger.recent_entries(db(), user_id)
    return texts.balance(balance, entries), keyboards.balance()


@renders(Money.amount)
async def _amount(convo: Conversation, user_id: int):
    return texts.ask_amount(), keyboards.amounts()


@renders(Money.invoice)
async def _invoice(convo: Conversation, user_id: int):
    invoice = await topups.find_invoice(db(), user_id, convo.data["invoice_id"])
    if invoice.status not in topups.FINAL_STATUSES:  # underpaid: the rest can still be paid
        return texts.invoice(invoice), keyboards.invoice(invoice.amount_cents, invoice.payment_url)
    return texts.invoice(invoice), keyboards.retry()


@router.message(Command("balance"))
@router.callback_query(MenuAction.filter(F.action == "balance"))
async def balance(event: Event, state: FSMContext) -> None:
    convo = await Conversation.load(state)
    convo.data["history"] = []
    convo.data["context"] = "money"
    convo.data.pop("editing", None)
    await state.set_state(None)
    await show_step(event, state, convo, Money.balance)


@router.callback_query(Money.balance, MenuAction.filter(F.action == "top_up"))
async def top_up(query: CallbackQuery, state: FSMContext) -> None:
    await show_step(query, state, await Conversation.load(state), Money.amount)


@router.callback_query(Money.amount, TopUpAmount.filter())
async def quick_amount(
    query: CallbackQuery,
    callback_data: TopUpAmount,
    state: FSMContext,
    user: User,
    payments: Payments,
) -> None:
    if not TOP_UP_MIN_CENTS <= callback_data.cents <= TOP_UP_MAX_CENTS:
        await reask(query, state, texts.ask_amount())
        return
    await show_prompt(query, texts.creating_invoice())  # edited in place; no second tap meanwhile
    await open_invoice(query, state, user, payments, callback_data.cents)


@router.message(Money.amount, ANSWER)
async def typed_amount(message: Message, state: FSMContext, user: User, payments: Payments) -> None:
    cents = await cleaned(message, state, clean_top_up, message.text)
    if cents is not None:
        await open_invoice(message, state, user, payments, cents)


async def open_invoice(
    event: Event,
    state: FSMContext,
    user: User,
    payments: Payments,
    cents: int,
    order_id: str | None = None,
) -> None:
    try:
        invoice = await topups.open_invoice(
            db(), payments, user, event.from_user.id, cents, order_id
        )
    except PaymentUnavailable:
        await reask(event, state, texts.payment_unavailable())
        return
    except PaymentRejected as refused:
        await reask(event, state, texts.payment_refused(escape(refused.message)))
        return
    convo = await Conversation.load(state)
    convo.data["invoice_id"] = invoice.id
    shown = await show_step(event, state, convo, Money.invoice)
    invoice.message_id = shown.message_id  # edited later when the payment arrives
