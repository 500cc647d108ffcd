"""Balance and top-ups (SPEC §3.4): the balance with the last ten operations, quick or typed
amounts, and an invoice at the payment provider with its Pay button and expiry. The invoice
message is edited when the payment arrives (see bot/notifications.py)."""

from __future__ import annotations

from html import escape

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message

from shipbot.bot.flows.chat_state import ChatState, Section
from shipbot.bot.flows.dialog import ANSWER, Dialog, Event, db
from shipbot.bot.flows.states import Money
from shipbot.bot.runtime.prompts import show_prompt
from shipbot.bot.ui import balance_keyboards as keyboards
from shipbot.bot.ui import balance_texts as texts
from shipbot.bot.ui.callbacks import MenuAction, TopUpAmount
from shipbot.db.models import User
from shipbot.domain.money import TOP_UP_MAX_CENTS, TOP_UP_MIN_CENTS, clean_top_up
from shipbot.domain.payments import still_due
from shipbot.providers.payments.base import PaymentRejected, PaymentStatus, PaymentUnavailable
from shipbot.services import ledger, topups
from shipbot.services.topups import Payments


async def _balance(chat: ChatState, user_id: int):
    balance = await ledger.balance_of(db(), user_id)
    lines = await ledger.recent_statement(db(), user_id)
    return texts.balance(balance, lines), keyboards.balance()


async def _amount(chat: ChatState, user_id: int):
    return texts.ask_amount(), keyboards.amounts()


async def invoice_prompt(chat: ChatState, user_id: int):
    invoice = await topups.find_invoice(db(), user_id, chat.balance.invoice_id)
    if invoice.status not in topups.FINAL_STATUSES:  # underpaid: the rest can still be paid
        due = still_due(invoice.amount_cents, invoice.received_cents)
        underpaid = invoice.status == PaymentStatus.UNDERPAID
        return texts.invoice(invoice), keyboards.invoice(invoice.payment_url, due, rest=underpaid)
    return texts.invoice(invoice), keyboards.retry()


SCREENS = {Money.balance: _balance, Money.amount: _amount, Money.invoice: invoice_prompt}


async def balance(event: Event, dialog: Dialog) -> None:
    await dialog.enter(await dialog.load(), Section.money, Money.balance)


async def top_up(query: CallbackQuery, dialog: Dialog) -> None:
    await dialog.show(await dialog.load(), Money.amount)


async def quick_amount(
    query: CallbackQuery,
    callback_data: TopUpAmount,
    dialog: Dialog,
    user: User,
    payments: Payments,
) -> None:
    if not TOP_UP_MIN_CENTS <= callback_data.cents <= TOP_UP_MAX_CENTS:
        await dialog.reask(texts.ask_amount())
        return
    await show_prompt(query, texts.creating_invoice())  # edited in place; no second tap meanwhile
    await open_invoice(dialog, user, payments, callback_data.cents)


async def typed_amount(message: Message, dialog: Dialog, user: User, payments: Payments) -> None:
    cents = await dialog.cleaned(clean_top_up, message.text)
    if cents is not None:
        await open_invoice(dialog, user, payments, cents)


async def open_invoice(
    dialog: Dialog, user: User, payments: Payments, cents: int, order_id: str | None = None
) -> None:
    try:
        invoice = await topups.open_invoice(
            db(), payments, user, dialog.event.from_user.id, cents, order_id
        )
    except PaymentUnavailable:
        await dialog.reask(texts.payment_unavailable())
        return
    except PaymentRejected as refused:
        await dialog.reask(texts.payment_refused(escape(refused.message)))
        return
    chat = await dialog.load()
    chat.balance.invoice_id = invoice.id
    shown = await dialog.show(chat, Money.invoice)
    invoice.message_id = shown.message_id  # edited later when the payment arrives


def build_router() -> Router:
    router = Router(name="balance")
    router.message.register(balance, Command("balance"))
    router.callback_query.register(balance, MenuAction.filter(F.action == "balance"))
    router.callback_query.register(top_up, Money.balance, MenuAction.filter(F.action == "top_up"))
    router.callback_query.register(quick_amount, Money.amount, TopUpAmount.filter())
    router.message.register(typed_amount, Money.amount, ANSWER)
    return router
