"""My orders (SPEC §3.5): newest first, five to a page; an order's detail, the label sent
again, its tracking, and "Repeat this shipment"."""

from __future__ import annotations

import math

from aiogram import F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from aiogram.types import BufferedInputFile, CallbackQuery
from aiogram.utils.callback_answer import CallbackAnswer

from shipbot.bot.flows.new_label.conversation import Conversation
from shipbot.bot.flows.new_label.progress import continue_draft
from shipbot.bot.flows.new_label.states import Orders
from shipbot.bot.flows.new_label.steps import Event, db, reask, renders, show_step
from shipbot.bot.purchases import PurchaseJobs
from shipbot.bot.runtime.prompts import show_prompt
from shipbot.bot.ui import orders_keyboards as keyboards
from shipbot.bot.ui import orders_texts as texts
from shipbot.bot.ui.callbacks import MenuAction, OrderAction
from shipbot.bot.ui.label_texts import saved_not_found
from shipbot.bot.ui.purchase_texts import caption
from shipbot.db.models import utcnow
from shipbot.domain.draft import LabelDraft
from shipbot.domain.orders import OrderStatus
from shipbot.providers.carriers.base import CarrierError
from shipbot.services import quoting
from shipbot.services.quoting import PricedRate, Quoter
from shipbot.services.refunds import recent_refunds, refundable, request_refund

router = Router(name="orders")
PAGE_SIZE = 5


@renders(Orders.list)
async def _list(convo: Conversation, user_id: int):
    page = convo.data.get("orders_page", 0)
    orders, total = await quoting.list_orders(db(), user_id, page * PAGE_SIZE, PAGE_SIZE)
    pages = max(1, math.ceil(total / PAGE_SIZE))
    return texts.order_list(total, page, pages), keyboards.order_list(orders, page, pages)


async def _detail(convo: Conversation, user_id: int):
    order = await quoting.find_order(db(), user_id, convo.data["order_view"])
    page = convo.data.get("orders_page", 0)
    return texts.order_detail(order), keyboards.order_detail(
        order, page, from_refunds=convo.data.get("order_from_refunds", False)
    )


renders(Orders.view)(_detail)
renders(Orders.tracking)(_detail)  # text typed on the tracking screen re-shows the order


@renders(Orders.refund_confirm)
async def _refund_confirm(convo: Conversation, user_id: int):
    order = await quoting.find_order(db(), user_id, convo.data["order_view"])
    page = convo.data.get("orders_page", 0)
    return texts.refund_confirm(order), keyboards.refund_confirm(order, page)


@router.message(Command("orders"))
@router.callback_query(MenuAction.filter(F.action == "orders"))
async def my_orders(event: Event, state: FSMContext) -> None:
    await _enter(event, state, Orders.list)


@renders(Orders.refunds)
async def _refunds(convo: Conversation, user_id: int):
    refunds = await recent_refunds(db(), user_id)
    return texts.refund_list(refunds), keyboards.refund_list(refunds)


@router.callback_query(MenuAction.filter(F.action == "refunds"))
async def my_refunds(query: CallbackQuery, state: FSMContext) -> None:
    await _enter(query, state, Orders.refunds)


async def _enter(event: Event, state: FSMContext, step: State) -> None:
    """From anywhere into the orders section: a draft is kept, an edit in progress is not."""
    convo = await Conversation.load(state)
    convo.data.update(history=[], context="orders", orders_page=0)
    convo.data.pop("editing", None)
    await state.set_state(None)
    await show_step(event, state, convo, step)


@router.callback_query(StateFilter(Orders), OrderAction.filter(F.action == "page"))
async def page(query: CallbackQuery, callback_data: OrderAction, state: FSMContext) -> None:
    convo = await Conversation.load(state)
    convo.data["orders_page"] = max(0, callback_data.page)
    await show_step(query, state, convo, Orders.list, remember=False)


@router.callback_query(StateFilter(Orders), OrderAction.filter(F.action == "open"))
async def open_order(query: CallbackQuery, callback_data: OrderAction, state: FSMContext) -> None:
    if await quoting.find_order(db(), query.from_user.id, callback_data.order_id) is None:
        await reask(query, state, saved_not_found())
        return
    convo = await Conversation.load(state)
    convo.data["order_view"] = callback_data.order_id
    here = await state.get_state()
    if here in (Orders.list.state, Orders.refunds.state):  # Back returns to the list it came from
        convo.data["order_from_refunds"] = here == Orders.refunds.state
    await show_step(query, state, convo, Orders.view, remember=False)


@router.callback_query(Orders.view, OrderAction.filter(F.action == "resend"))
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


@router.callback_query(Orders.view, OrderAction.filter(F.action == "track"))
async def track(
    query: CallbackQuery, callback_data: OrderAction, state: FSMContext, quoter: Quoter
) -> None:
    order = await quoting.find_order(db(), query.from_user.id, callback_data.order_id)
    if order is None or not order.label_id:
        await reask(query, state, saved_not_found())
        return
    try:
        info = await quoter.carrier.track(order.label_id)
    except (CarrierError, TelegramAPIError):
        await reask(query, state, texts.tracking_unavailable())
        return
    await state.set_state(Orders.tracking)
    await show_prompt(
        query,
        texts.tracking(order, info),
        keyboards.back_to_order(order, callback_data.page),
    )


@router.callback_query(Orders.view, OrderAction.filter(F.action == "refund"))
async def refund(query: CallbackQuery, callback_data: OrderAction, state: FSMContext) -> None:
    # Voiding makes the label unusable: asked first.
    order = await quoting.find_order(db(), query.from_user.id, callback_data.order_id)
    if order is None:
        await reask(query, state, saved_not_found())
        return
    if not refundable(order):  # the window closed while the order was on screen
        why = "window_closed" if order.status == OrderStatus.PURCHASED else "not_refundable"
        await reask(query, state, texts.refund_outcome(why, "", 0))
        return
    convo = await Conversation.load(state)
    convo.data["order_view"] = callback_data.order_id
    await show_step(query, state, convo, Orders.refund_confirm, remember=False)


@router.callback_query(Orders.refund_confirm, OrderAction.filter(F.action == "void"))
async def refund_confirmed(
    query: CallbackQuery,
    callback_data: OrderAction,
    state: FSMContext,
    quoter: Quoter,
    purchases: PurchaseJobs,
) -> None:
    await show_prompt(query, texts.voiding())  # no keyboard while the carrier answers
    # The void is a carrier call and the credit a money move: both outside the update.
    outcome = await request_refund(
        purchases.database, quoter.carrier, query.from_user.id, callback_data.order_id
    )
    intro = texts.refund_outcome(outcome.status, outcome.message, outcome.amount_cents)
    convo = await Conversation.load(state)
    await show_step(query, state, convo, Orders.view, intro=intro, remember=False)


@router.callback_query(Orders.view, OrderAction.filter(F.action == "repeat"))
async def repeat(query: CallbackQuery, callback_data: OrderAction, state: FSMContext) -> None:
    order = await quoting.find_order(db(), query.from_user.id, callback_data.order_id)
    if order is None:
        await reask(query, state, saved_not_found())
        return
    shipment = quoting.shipment_from_dict(order.shipment)
    convo = await Conversation.load(state)
    convo.start_draft()
    convo.draft = LabelDraft(
        updated_at=utcnow(),
        addresses={"sender": shipment.ship_from, "recipient": shipment.ship_to},
        ounces=shipment.ounces,
        dimensions=shipment.dimensions,
    )
    await state.set_state(None)
    await continue_draft(query, state, convo)
