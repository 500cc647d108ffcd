"""Rates (SPEC §3.2): from the review, fetch and show priced rates, choose one, and keep it
as a `quoted` order for the payment step.

The carrier is asked inside the update, behind a progress message edited in place; a cached
quote for the same shipment answers at once.
"""

from __future__ import annotations

import logging
import math

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.types import CallbackQuery
from aiogram.utils.callback_answer import CallbackAnswer

from shipbot.bot.flows.balance import open_invoice
from shipbot.bot.flows.chat_state import CarrierProblem, ChatState, PriceChange, Section
from shipbot.bot.flows.dialog import Dialog, db
from shipbot.bot.flows.states import Label, Rates
from shipbot.bot.purchases import PurchaseJobs
from shipbot.bot.runtime.prompts import show_prompt
from shipbot.bot.runtime.scope import reads_before_slow_calls
from shipbot.bot.ui import balance_texts, purchase_texts
from shipbot.bot.ui import rates_keyboards as keyboards
from shipbot.bot.ui import rates_texts as texts
from shipbot.bot.ui.callbacks import RatePick, RatesAction
from shipbot.db.models import Order, RateQuote, User, utcnow
from shipbot.domain.money import checkout
from shipbot.providers.carriers import base as carriers
from shipbot.providers.carriers.base import CarrierError
from shipbot.services import ledger, quoting, shop_settings
from shipbot.services.purchase import start_purchase
from shipbot.services.quoting import Quoter
from shipbot.services.shop_settings import ShopSettings
from shipbot.services.topups import Payments

log = logging.getLogger(__name__)
PROBLEMS = {
    kind.__name__: kind
    for kind in (
        carriers.InvalidAddress,
        carriers.NoRates,
        carriers.CarrierUnavailable,
        carriers.RateLimited,
        carriers.AuthenticationFailed,
        carriers.UnknownCarrierError,
    )
}


async def _rates(chat: ChatState, user_id: int):
    quote = await quoting.find_quote(db(), user_id, chat.rates.quote_id)
    options = quoting.rate_options(quoting.rates_of(quote))
    minutes = max(1, math.ceil((quote.expires_at - utcnow()).total_seconds() / 60))
    shipment = quoting.shipment_from_dict(quote.shipment)
    return texts.rates(shipment, minutes), keyboards.rates(quote.id, options)


async def _problem(chat: ChatState, user_id: int):
    problem = chat.rates.problem
    error = PROBLEMS.get(problem.kind, carriers.UnknownCarrierError)(problem.message)
    return texts.problem(error), keyboards.problem(isinstance(error, carriers.InvalidAddress))


async def _price_changed(chat: ChatState, user_id: int):
    change = chat.rates.price_change
    return texts.price_changed(change.old, change.new), keyboards.price_changed()


async def ask_to_pay(chat: ChatState, user_id: int):
    order = await quoting.find_order(db(), user_id, chat.rates.order_id)
    balance = await ledger.balance_of(db(), user_id)
    rate = quoting.PricedRate.from_dict(order.rate)
    pay = checkout(order.price_cents, balance)
    shipment = quoting.shipment_from_dict(order.shipment)
    # Opened from My orders, Back returns to the order, not to a list of rates.
    from_order = chat.section is Section.orders
    return purchase_texts.payment(order, rate, shipment, pay), keyboards.ordered(
        pay, from_order=from_order
    )


SCREENS = {
    Rates.list: _rates,
    Rates.problem: _problem,
    Rates.price_changed: _price_changed,
    Rates.ordered: ask_to_pay,
}


async def _shop(quoter: Quoter) -> ShopSettings:
    async with reads_before_slow_calls() as reads:
        return await shop_settings.current(reads, quoter.defaults)


async def show_rates(
    dialog: Dialog, user: User, quoter: Quoter, *, refresh: bool, remember: bool
) -> None:
    chat = await dialog.load()
    shipment = quoting.shipment_of(chat.draft)
    try:
        async with reads_before_slow_calls() as reads:
            shop = await shop_settings.current(reads, quoter.defaults)
            quote = None
            if not refresh:
                quote = await quoting.valid_quote(reads, user.id, shipment, shop.changed_at)
        if quote is None:
            # No keyboard: no second tap meanwhile.
            await show_prompt(dialog.event, texts.fetching())
            quote = await quoting.quote_shipment(db(), quoter, user, shipment, shop)
    except CarrierError as error:
        await _show_problem(dialog, chat, error, remember=remember)
        return
    chat.rates.quote_id = quote.id
    await dialog.show(chat, Rates.list, remember=remember)


async def _show_problem(
    dialog: Dialog, chat: ChatState, error: CarrierError, *, remember: bool
) -> None:
    level = logging.ERROR if isinstance(error, carriers.AuthenticationFailed) else logging.INFO
    log.log(level, "carrier could not quote: %s %s", type(error).__name__, error.message)
    chat.rates.problem = CarrierProblem(kind=type(error).__name__, message=error.message)
    await dialog.show(chat, Rates.problem, remember=remember)


async def _choose(
    dialog: Dialog,
    user: User,
    quoter: Quoter,
    quote: RateQuote,
    index: int,
    *,
    remember: bool,
) -> None:
    chat = await dialog.load()
    shop = await _shop(quoter)  # re-prices an expired quote; read before that carrier call
    try:
        outcome = await quoting.choose_rate(
            db(), quoter, user, quote, index, shop, chat.rates.order_id
        )
    except quoting.RateGone as gone:
        chat.rates.quote_id = gone.quote.id
        chat.end_at(Rates.list.state)
        await dialog.show(chat, Rates.list, intro=texts.rate_gone(), remember=False)
        return
    except CarrierError as error:
        await _show_problem(dialog, chat, error, remember=remember)
        return
    if isinstance(outcome, Order):
        chat.rates.order_id = outcome.id
        await dialog.show(chat, Rates.ordered, remember=remember)
        return
    chat.rates.quote_id = outcome.quote.id
    chat.rates.price_change = PriceChange(
        old=outcome.old,
        new=outcome.new,
        quote_id=outcome.quote.id,
        index=outcome.index,
    )
    await dialog.show(chat, Rates.price_changed, remember=remember)


async def refresh(query: CallbackQuery, dialog: Dialog, user: User, quoter: Quoter) -> None:
    await show_rates(dialog, user, quoter, refresh=True, remember=False)


async def edit_shipment(query: CallbackQuery, dialog: Dialog) -> None:
    chat = await dialog.load()
    chat.end_at(Label.review.state)
    await dialog.show(chat, Label.review, remember=False)


async def rate_chosen(
    query: CallbackQuery, callback_data: RatePick, dialog: Dialog, user: User, quoter: Quoter
) -> None:
    async with reads_before_slow_calls() as reads:
        quote = await quoting.find_quote(reads, user.id, callback_data.quote_id)
    if quote is None or not 0 <= callback_data.index < len(quote.rates):
        await dialog.reask(texts.rate_gone())
        return
    await _choose(dialog, user, quoter, quote, callback_data.index, remember=True)


async def pay(
    query: CallbackQuery,
    dialog: Dialog,
    user: User,
    purchases: PurchaseJobs,
    callback_answer: CallbackAnswer,
) -> None:
    order_id = (await dialog.load()).rates.order_id
    start = await start_purchase(purchases.database, user.id, order_id)
    if start.started:
        # The hold and the order's move to purchasing are committed; the label follows.
        await dialog.state.clear()
        progress = await show_prompt(query, purchase_texts.buying())
        purchases.start(order_id, query.message.chat.id, progress.message_id)
    elif start.reason == "quote_expired":
        await dialog.reask(purchase_texts.quote_expired())
    elif start.reason == "short":
        await dialog.reask(purchase_texts.balance_short())
    else:
        callback_answer.text = purchase_texts.already_buying()


async def top_up_for_order(
    query: CallbackQuery, dialog: Dialog, user: User, payments: Payments
) -> None:
    chat = await dialog.load()
    order = await quoting.find_order(db(), user.id, chat.rates.order_id)
    cents = checkout(order.price_cents, await ledger.balance_of(db(), user.id)).top_up_cents
    if not cents:  # money arrived since the screen was shown: it now offers Pay
        await dialog.show(chat, Rates.ordered, remember=False)
        return
    await show_prompt(query, balance_texts.creating_invoice())
    await open_invoice(dialog, user, payments, cents, order.id)


async def new_price_accepted(
    query: CallbackQuery, dialog: Dialog, user: User, quoter: Quoter
) -> None:
    change = (await dialog.load()).rates.price_change
    async with reads_before_slow_calls() as reads:
        quote = await quoting.find_quote(reads, user.id, change.quote_id)
    if quote is None:
        await dialog.reask(texts.rate_gone())
        return
    # Not remembered: Back from the order leads to the rates, not to this question.
    await _choose(dialog, user, quoter, quote, change.index, remember=False)


def build_router() -> Router:
    router = Router(name="rates")
    on_button = router.callback_query.register
    quoted = StateFilter(Rates.list, Rates.problem)
    on_button(refresh, quoted, RatesAction.filter(F.action.in_({"refresh", "retry"})))
    on_button(edit_shipment, quoted, RatesAction.filter(F.action == "edit"))
    on_button(rate_chosen, Rates.list, RatePick.filter())
    on_button(pay, Rates.ordered, RatesAction.filter(F.action == "pay"))
    on_button(top_up_for_order, Rates.ordered, RatesAction.filter(F.action == "top_up"))
    confirmed = RatesAction.filter(F.action == "confirm_price")
    on_button(new_price_accepted, Rates.price_changed, confirmed)
    return router
