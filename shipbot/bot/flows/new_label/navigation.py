"""Back, Cancel and Skip's siblings on every prompt of the flow, and input a step cannot use."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from shipbot.bot.flows.menu import show_menu
from shipbot.bot.flows.new_label.conversation import Conversation
from shipbot.bot.flows.new_label.progress import abandon_edit
from shipbot.bot.flows.new_label.states import Book, Field, Label, Money, Orders, Rates
from shipbot.bot.flows.new_label.steps import reask, renders, show_step, step_named
from shipbot.bot.ui import label_keyboards as keyboards
from shipbot.bot.ui import label_texts as texts
from shipbot.bot.ui.callbacks import Nav
from shipbot.db.models import User

router = Router(name="label-navigation")
IN_FLOW = StateFilter(Label, Field, Rates, Money, Orders, Book)


@renders(Label.cancel_confirm)
async def _confirm_cancel(convo: Conversation, user_id: int):
    return texts.confirm_cancel(), keyboards.confirm_cancel()


@router.callback_query(IN_FLOW, Nav.filter(F.action == "back"))
async def back(query: CallbackQuery, state: FSMContext, user: User) -> None:
    convo = await Conversation.load(state)
    if convo.editing:
        await abandon_edit(query, state, convo)
        return
    convo.data.pop("pending", None)
    previous = convo.pop()
    if previous is None:
        await state.set_state(None)
        await convo.save(state)
        await show_menu(query, user)
        return
    if previous["role"] != convo.role:
        convo.role = previous["role"]
        address = convo.draft.addresses.get(convo.role) if convo.draft else None
        convo.fields = address.to_dict() if address else {}
    await show_step(query, state, convo, step_named(previous["step"]), remember=False)


@router.callback_query(IN_FLOW, Nav.filter(F.action == "cancel"))
async def cancel(query: CallbackQuery, state: FSMContext, user: User) -> None:
    convo = await Conversation.load(state)
    if convo.in_address_book:
        # Editing a saved address is not a label draft: cancelling drops only the edit.
        await back(query, state, user)
        return
    await show_step(query, state, convo, Label.cancel_confirm)


@router.callback_query(Label.cancel_confirm, Nav.filter(F.action == "keep"))
async def keep_going(query: CallbackQuery, state: FSMContext, user: User) -> None:
    """Back to the step where Cancel was pressed, an edit in progress included."""
    convo = await Conversation.load(state)
    previous = convo.pop()
    if previous is None:
        await back(query, state, user)
        return
    await show_step(query, state, convo, step_named(previous["step"]), remember=False)


@router.callback_query(Label.cancel_confirm, Nav.filter(F.action == "discard"))
async def discard(query: CallbackQuery, state: FSMContext, user: User) -> None:
    await state.clear()
    await show_menu(query, user, texts.draft_discarded())


@router.message(IN_FLOW)
async def unusable_input(message: Message, state: FSMContext) -> None:
    await reask(message, state, texts.use_buttons())
