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
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery
from aiogram.utils.callback_answer import CallbackAnswer

from shipbot.bot.flows.balance import open_invoice
from shipbot.bot.flows.new_label.conversation import Conversation
from shipbot.bot.flows.new_label.states import Label, Rates
from shipbot.bot.flows.new_label.steps import Event, db, reask, renders, show_step
from shipbot.bot.purchases import PurchaseJobs
from shipbot.bot.runtime.prompts import show_prompt
from shipbot.bot.runtime.scope import reads_before_slow_calls
from shipbot.bot.ui import balance_texts, purchase_texts
from shipbot.bot.ui import rates_keyboards as keyboards
from shipbot.bot.ui import rates_texts as texts
from shipbot.bot.ui.callbacks import RatePick, RatesAction, ReviewAction
from shipbot.db.models import Order, RateQuote, User, utcnow
from shipbot.domain.money import shortfall_top_up
from shipbot.providers.carriers import base as carriers
from shipbot.providers.carriers.base import CarrierError
from shipbot.services import ledger, quoting, shop_settings
from shipbot.services.purchase import start_purchase
from shipbot.services.quoting import Quoter
from shipbot.services.shop_settings import ShopSettings
from shipbot.services.topups import Payments

log = logging.getLogger(__name__)
router = Router(name="rates")
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


@renders(Rates.list)
async def _rates(convo: Conversation, user_id: int):
    quote = await quoting.find_quote(db(), user_id, convo.data["quote_id"])
    rates = quoting.rates_of(quote)
    minutes = max(1, math.ceil((quote.expires_at - utcnow()).total_seconds() / 60))
    return texts.rates(quote.shipment, rates, minutes), keyboards.rates(quote.id, rates)


@renders(Rates.problem)
async def _problem(convo: Conversation, user_id: int):
    problem = convo.data["rates_problem"]
    error = PROBLEMS.get(problem["kind"], carriers.UnknownCarrierError)(problem["message"])
    return texts.problem(error), keyboards.problem(isinstance(error, carriers.InvalidAddress))


@renders(Rates.price_changed)
async def _price_changed(convo: Conversation, user_id: int):
    change = convo.data["price_change"]
    old, new = (quoting.PricedRate.from_dict(change[key]) for key in ("old", "new"))
    return texts.price_changed(old, new), keyboards.price_changed()


@renders(Rates.ordered)
async def _ordered(convo: Conversation, user_id: int):
    order = await quoting.find_order(db(), user_id, convo.data["order"]["id"])
    balance = await ledger.balance_of(db(), user_id)
    rate = quoting.PricedRate.from_dict(order.rate)
    return purchase_texts.payment(order, rate, balance), keyboards.ordered(
        order.price_cents, shortfall_top_up(order.price_cents, balance)
    )


async def _shop(quoter: Quoter) -> ShopSettings:
    async with reads_before_slow_calls() as reads:
        return await shop_settings.current(reads, quoter.defaults)


async def show_rates(
    event: Event, state: FSMContext, user: User, quoter: Quoter, *, refresh: bool, remember: bool
) -> None:
    convo = await Conversation.load(state)
    shipment = quoting.shipment_of(convo.draft)
    try:
        async with reads_before_slow_calls() as reads:
            shop = await shop_settings.current(reads, quoter.defaults)
            quote = None
            if not refresh:
                quote = await quoting.valid_quote(reads, user.id, shipment, shop.changed_at)
        if quote is None:
            await show_prompt(event, texts.fetching())  # no keyboard: no second tap meanwhile
            quote = await quoting.quote_shipment(db(), quoter, user, shipment, shop)
    except CarrierError as error:
        await _show_problem(event, state, convo, error, remember=remember)
        return
    convo.data["quote_id"] = quote.id
    await show_step(event, state, convo, Rates.list, remember=remember)


async def _show_problem(
    event: Event, state: FSMContext, convo: Conversation, error: CarrierError, *, remember: bool
) -> None:
    level = logging.ERROR if isinstance(error, carriers.AuthenticationFailed) else logging.INFO
    log.log(level, "carrier could not quote: %s %s", type(error).__name__, error.message)
    convo.data["rates_problem"] = {"kind": type(error).__name__, "message": error.message}
    await show_step(event, state, convo, Rates.problem, remember=remember)


async def _choose(
    query: CallbackQuery,
    state: FSMContext,
    user: User,
    quoter: Quoter,
    quote: RateQuote,
    index: int,
    *,
    remember: bool,
) -> None:
    convo = await Conversation.load(state)
    shop = await _shop(quoter)  # re-prices an expired quote; read before that carrier call
    try:
        outcome = await quoting.choose_rate(db(), quoter, user, quote, index, shop)
    except quoting.RateGone as gone:
        convo.data["quote_id"] = gone.quote.id
        convo.end_at(Rates.list)
        await show_step(query, state, convo, Rates.list, intro=texts.rate_gone(), remember=False)
        return
    except CarrierError as error:
        await _show_problem(query, state, convo, error, remember=remember)
        return
    if isinstance(outcome, Order):
        convo.data["order"] = {"id": outcome.id, "rate": outcome.rate}
        await show_step(query, state, convo, Rates.ordered, remember=remember)
        return
    convo.data["quote_id"] = outcome.quote.id
    convo.data["price_change"] = {
        "old": outcome.old.to_dict(),
        "new": outcome.new.to_dict(),
        "quote_id": outcome.quote.id,
        "index": outcome.index,
    }
    await show_step(query, state, convo, Rates.price_changed, remember=remember)


@router.callback_query(Label.review, ReviewAction.filter(F.action == "rates"))
async def rates_from_review(
    query: CallbackQuery, state: FSMContext, user: User, quoter: Quoter
) -> None:
    await show_rates(query, state, user, quoter, refresh=False, remember=True)


@router.callback_query(
    StateFilter(Rates.list, Rates.problem), RatesAction.filter(F.action.in_({"refresh", "retry"}))
)
async def refresh(query: CallbackQuery, state: FSMContext, user: User, quoter: Quoter) -> None:
    await show_rates(query, state, user, quoter, refresh=True, remember=False)


@router.callback_query(
    StateFilter(Rates.list, Rates.problem), RatesAction.filter(F.action == "edit")
)
async def edit_shipment(query: CallbackQuery, state: FSMContext) -> None:
    convo = await Conversation.load(state)
    convo.end_at(Label.review)
    await show_step(query, state, convo, Label.review, remember=False)


@router.callback_query(Rates.list, RatePick.filter())
async def rate_chosen(
    query: CallbackQuery, callback_data: RatePick, state: FSMContext, user: User, quoter: Quoter
) -> None:
    async with reads_before_slow_calls() as reads:
        quote = await quoting.find_quote(reads, user.id, callback_data.quote_id)
    if quote is None or not 0 <= callback_data.index < len(quote.rates):
        await reask(query, state, texts.rate_gone())
        return
    await _choose(query, state, user, quoter, quote, callback_data.index, remember=True)


@router.callback_query(Rates.ordered, RatesAction.filter(F.action == "pay"))
async def pay(
    query: CallbackQuery,
    state: FSMContext,
    user: User,
    purchases: PurchaseJobs,
    callback_answer: CallbackAnswer,
) -> None:
    convo = await Conversation.load(state)
    order_id = convo.data["order"]["id"]
    start = await start_purchase(purchases.database, user.id, order_id)
    if start.started:
        # The hold and the order's move to purchasing are committed; the label follows.
        await state.clear()
        progress = await show_prompt(query, purchase_texts.buying())
        purchases.start(order_id, query.message.chat.id, progress.message_id)
    elif start.reason == "quote_expired":
        await reask(query, state, purchase_texts.quote_expired())
    elif start.reason == "short":
        await reask(
            query,
            state,
            purchase_texts.payment(
                start.order,
                quoting.PricedRate.from_dict(start.order.rate),
                start.order.price_cents - start.shortfall_cents,
            ),
        )
    else:
        callback_answer.text = purchase_texts.already_buying()


@router.callback_query(Rates.ordered, RatesAction.filter(F.action == "top_up"))
async def top_up_for_order(
    query: CallbackQuery, state: FSMContext, user: User, payments: Payments
) -> None:
    convo = await Conversation.load(state)
    order = await quoting.find_order(db(), user.id, convo.data["order"]["id"])
    cents = shortfall_top_up(order.price_cents, await ledger.balance_of(db(), user.id))
    if not cents:  # money arrived since the screen was shown: it now offers Pay
        await show_step(query, state, convo, Rates.ordered, remember=False)
        return
    await show_prompt(query, balance_texts.creating_invoice())
    await open_invoice(query, state, user, payments, cents, order.id)


@router.callback_query(Rates.price_changed, RatesAction.filter(F.action == "confirm_price"))
async def new_price_accepted(
    query: CallbackQuery, state: FSMContext, user: User, quoter: Quoter
) -> None:
    change = (await Conversation.load(state)).data["price_change"]
    async with reads_before_slow_calls() as reads:
        quote = await quoting.find_quote(reads, user.id, change["quote_id"])
    if quote is None:
        await reask(query, state, texts.rate_gone())
        return
    # Not remembered: Back from the order leads to the rates, not to this question.
    await _choose(query, state, user, quoter, quote, change["index"], remember=False)
