"""My orders (SPEC §3.5): newest first, five to a page; an order's detail, the label sent
again, its tracking, and "Repeat this shipment"."""

from __future__ import annotations

import math

from aiogram import F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command, StateFilter
from aiogram.fsm.state import State
from aiogram.types import BufferedInputFile, CallbackQuery
from aiogram.utils.callback_answer import CallbackAnswer

from shipbot.bot.flows.chat_state import ChatState, Section
from shipbot.bot.flows.dialog import Dialog, Event, db
from shipbot.bot.flows.new_label.progress import next_step
from shipbot.bot.flows.states import Orders, Rates
from shipbot.bot.purchases import PurchaseJobs
from shipbot.bot.runtime.prompts import show_prompt
from shipbot.bot.runtime.scope import reads_before_slow_calls
from shipbot.bot.ui import orders_keyboards as keyboards
from shipbot.bot.ui import orders_texts as texts
from shipbot.bot.ui import rates_texts
from shipbot.bot.ui.callbacks import MenuAction, OrderAction
from shipbot.bot.ui.label_texts import saved_not_found
from shipbot.bot.ui.purchase_texts import already_buying, caption
from shipbot.db.models import User, utcnow
from shipbot.domain.draft import LabelDraft
from shipbot.domain.orders import OrderStatus
from shipbot.providers.carriers.base import CarrierError
from shipbot.services import purchase, quoting, shop_settings
from shipbot.services.quoting import PricedRate, Quoter
from shipbot.services.refunds import recent_refunds, refundable, request_refund

PAGE_SIZE = 5


async def _list(chat: ChatState, user_id: int):
    page = chat.orders.page
    orders, total = await quoting.list_orders(db(), user_id, page * PAGE_SIZE, PAGE_SIZE)
    pages = max(1, math.ceil(total / PAGE_SIZE))
    rated = [(order, PricedRate.from_dict(order.rate)) for order in orders]
    return texts.order_list(total, page, pages), keyboards.order_list(rated, page, pages)


async def _detail(chat: ChatState, user_id: int):
    order = await quoting.find_order(db(), user_id, chat.orders.viewed)
    rate, shipment = PricedRate.from_dict(order.rate), quoting.shipment_from_dict(order.shipment)
    can_refund = refundable(order)
    return texts.order_detail(order, rate, shipment, can_refund), keyboards.order_detail(
        order, chat.orders.page, can_refund, from_refunds=chat.orders.from_refunds
    )


async def _refund_confirm(chat: ChatState, user_id: int):
    order = await quoting.find_order(db(), user_id, chat.orders.viewed)
    return texts.refund_confirm(order), keyboards.refund_confirm(order, chat.orders.page)


async def _refunds(chat: ChatState, user_id: int):
    refunds = await recent_refunds(db(), user_id)
    return texts.refund_list(refunds), keyboards.refund_list(refunds)


SCREENS = {
    Orders.list: _list,
    Orders.view: _detail,
    Orders.tracking: _detail,  # text typed on the tracking screen re-shows the order
    Orders.refund_confirm: _refund_confirm,
    Orders.refunds: _refunds,
}


async def _enter(dialog: Dialog, step: State) -> None:
    chat = await dialog.load()
    chat.orders.page = 0
    await dialog.enter(chat, Section.orders, step)


async def my_orders(event: Event, dialog: Dialog) -> None:
    await _enter(dialog, Orders.list)


async def my_refunds(query: CallbackQuery, dialog: Dialog) -> None:
    await _enter(dialog, Orders.refunds)


async def page(query: CallbackQuery, callback_data: OrderAction, dialog: Dialog) -> None:
    chat = await dialog.load()
    chat.orders.page = max(0, callback_data.page)
    await dialog.show(chat, Orders.list, remember=False)


async def open_order(query: CallbackQuery, callback_data: OrderAction, dialog: Dialog) -> None:
    if await quoting.find_order(db(), query.from_user.id, callback_data.order_id) is None:
        await dialog.reask(saved_not_found())
        return
    chat = await dialog.load()
    chat.orders.viewed = callback_data.order_id
    here = await dialog.step()
    if here in (Orders.list.state, Orders.refunds.state):  # Back returns to the list it came from
        chat.orders.from_refunds = here == Orders.refunds.state
    await dialog.show(chat, Orders.view, remember=False)


async def resend_label(
    query: CallbackQuery,
    callback_data: OrderAction,
    purchases: PurchaseJobs,
    callback_answer: CallbackAnswer,
) -> None:
    order = await quoting.find_order(db(), query.from_user.id, callback_data.order_id)
    if order is None or order.status != "purchased":
        callback_answer.text = saved_not_found()
        return
    pdf = purchases.label_files.read(order.label_id)
    document = BufferedInputFile(pdf, filename=f"{order.tracking_number}.pdf")
    await query.bot.send_document(
        query.message.chat.id, document, caption=caption(order, PricedRate.from_dict(order.rate))
    )
    callback_answer.text = texts.label_sent()


async def track(
    query: CallbackQuery, callback_data: OrderAction, dialog: Dialog, quoter: Quoter
) -> None:
    order = await quoting.find_order(db(), query.from_user.id, callback_data.order_id)
    if order is None or not order.label_id:
        await dialog.reask(saved_not_found())
        return
    try:
        info = await quoter.carrier.track(order.label_id)
    except (CarrierError, TelegramAPIError):
        await dialog.reask(texts.tracking_unavailable())
        return
    await dialog.state.set_state(Orders.tracking)
    await show_prompt(
        query,
        texts.tracking(order, info),
        keyboards.back_to_order(order, callback_data.page),
    )


async def refund(query: CallbackQuery, callback_data: OrderAction, dialog: Dialog) -> None:
    # Voiding makes the label unusable: asked first.
    order = await quoting.find_order(db(), query.from_user.id, callback_data.order_id)
    if order is None:
        await dialog.reask(saved_not_found())
        return
    if not refundable(order):  # the window closed while the order was on screen
        why = "window_closed" if order.status == OrderStatus.PURCHASED else "not_refundable"
        await dialog.reask(texts.refund_outcome(why, "", 0))
        return
    chat = await dialog.load()
    chat.orders.viewed = callback_data.order_id
    await dialog.show(chat, Orders.refund_confirm, remember=False)


async def refund_confirmed(
    query: CallbackQuery,
    callback_data: OrderAction,
    dialog: Dialog,
    quoter: Quoter,
    purchases: PurchaseJobs,
) -> None:
    await show_prompt(query, texts.voiding())  # no keyboard while the carrier answers
    # The void is a carrier call and the credit a money move: both outside the update.
    outcome = await request_refund(
        purchases.database, quoter.carrier, query.from_user.id, callback_data.order_id
    )
    intro = texts.refund_outcome(outcome.status, outcome.message, outcome.amount_cents)
    await dialog.show(await dialog.load(), Orders.view, intro=intro, remember=False)


async def repeat(query: CallbackQuery, callback_data: OrderAction, dialog: Dialog) -> None:
    order = await quoting.find_order(db(), query.from_user.id, callback_data.order_id)
    if order is None:
        await dialog.reask(saved_not_found())
        return
    shipment = quoting.shipment_from_dict(order.shipment)
    chat = await dialog.load()
    chat.start_draft()
    chat.draft = LabelDraft(
        updated_at=utcnow(),
        addresses={"sender": shipment.ship_from, "recipient": shipment.ship_to},
        ounces=shipment.ounces,
        dimensions=shipment.dimensions,
    )
    await dialog.enter(chat, Section.label, next_step(chat))


async def pay_unpaid(
    query: CallbackQuery, callback_data: OrderAction, dialog: Dialog, user: User, quoter: Quoter
) -> None:
    async with reads_before_slow_calls() as reads:
        order = await quoting.find_order(reads, user.id, callback_data.order_id)
        shop = await shop_settings.current(reads, quoter.defaults)
    if order is None or order.status != OrderStatus.QUOTED:
        await dialog.reask(already_buying() if order else saved_not_found())
        return
    intro = None
    if order.quote_expires_at <= utcnow():
        await show_prompt(query, rates_texts.fetching())  # no keyboard while the carrier answers
        try:
            old = await quoting.requote_order(db(), quoter, user, order, shop)
        except quoting.RateGone:
            await dialog.reask(rates_texts.rate_gone_from_order())
            return
        except CarrierError as error:
            await dialog.reask(rates_texts.problem(error))
            return
        new = PricedRate.from_dict((await quoting.find_order(db(), user.id, order.id)).rate)
        if new.price_cents != old.price_cents:
            intro = texts.repriced(old, new)
    chat = await dialog.load()
    chat.rates.order_id = order.id
    await dialog.show(chat, Rates.ordered, intro=intro)  # Back returns to the order


async def delete_unpaid(
    query: CallbackQuery, callback_data: OrderAction, dialog: Dialog, purchases: PurchaseJobs
) -> None:
    order_id = callback_data.order_id
    if not await purchase.delete_unpaid(purchases.database, query.from_user.id, order_id):
        await dialog.reask(texts.not_deletable())
        return
    chat = await dialog.load()
    if chat.rates.order_id == order_id:
        chat.rates.order_id = None
    await dialog.show(chat, Orders.list, intro=texts.order_deleted(order_id), remember=False)


def build_router() -> Router:
    router = Router(name="orders")
    on_button = router.callback_query.register
    router.message.register(my_orders, Command("orders"))
    on_button(my_orders, MenuAction.filter(F.action == "orders"))
    on_button(my_refunds, MenuAction.filter(F.action == "refunds"))
    on_button(page, StateFilter(Orders), OrderAction.filter(F.action == "page"))
    on_button(open_order, StateFilter(Orders), OrderAction.filter(F.action == "open"))
    on_button(resend_label, Orders.view, OrderAction.filter(F.action == "resend"))
    on_button(track, Orders.view, OrderAction.filter(F.action == "track"))
    on_button(refund, Orders.view, OrderAction.filter(F.action == "refund"))
    on_button(refund_confirmed, Orders.refund_confirm, OrderAction.filter(F.action == "void"))
    on_button(repeat, Orders.view, OrderAction.filter(F.action == "repeat"))
    on_button(pay_unpaid, Orders.view, OrderAction.filter(F.action == "pay"))
    on_button(delete_unpaid, Orders.view, OrderAction.filter(F.action == "delete"))
    return router
