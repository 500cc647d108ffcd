"""The address book (SPEC §3.6): list, view, use, edit, rename, delete, default sender.

Every id in a button is looked up through its owner, so another user's id is "not found".
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer

from shipbot.bot.flows.new_label.conversation import Conversation
from shipbot.bot.flows.new_label.progress import continue_draft
from shipbot.bot.flows.new_label.states import Book, Label
from shipbot.bot.flows.new_label.steps import ANSWER, Event, db, reask, renders, show_step
from shipbot.bot.ui import label_keyboards as keyboards
from shipbot.bot.ui import label_texts as texts
from shipbot.bot.ui.callbacks import BookAction, MenuAction
from shipbot.bot.ui.rejections import rejection_text
from shipbot.db.models import SavedAddress
from shipbot.domain.errors import Rejected
from shipbot.domain.text_fields import clean_label
from shipbot.services.address_book import (
    MAX_ADDRESSES,
    as_address,
    delete_address,
    find_address,
    list_addresses,
    make_default_sender,
    rename_address,
)

router = Router(name="address-book")


@renders(Book.list)
async def _list(convo: Conversation, user_id: int):
    saved = await list_addresses(db(), user_id)
    return texts.book_list(len(saved), MAX_ADDRESSES), keyboards.book_list(
        (entry.id, entry.label, entry.is_default_sender) for entry in saved
    )


async def _opened(convo: Conversation, user_id: int) -> SavedAddress | None:
    return await find_address(db(), user_id, convo.data.get("book_id", 0))


@renders(Book.view)
async def _view(convo: Conversation, user_id: int):
    saved = await _opened(convo, user_id)
    if saved is None:
        return await _list(convo, user_id)
    return (
        texts.book_entry(saved.label, as_address(saved), saved.is_default_sender),
        keyboards.book_entry(saved.id, saved.is_default_sender),
    )


@renders(Book.rename)
async def _rename(convo: Conversation, user_id: int):
    saved = await _opened(convo, user_id)
    return texts.ask_rename(saved.label if saved else ""), keyboards.book_back(
        convo.data.get("book_id", 0)
    )


@renders(Book.delete_confirm)
async def _delete(convo: Conversation, user_id: int):
    saved = await _opened(convo, user_id)
    return texts.confirm_delete(saved.label if saved else ""), keyboards.book_confirm_delete(
        convo.data.get("book_id", 0)
    )


async def open_book(event: Event, state: FSMContext, intro: str | None = None) -> None:
    convo = await Conversation.load(state)
    convo.data.pop("editing", None)
    convo.data["history"] = []
    convo.in_address_book = True
    await state.set_state(None)
    await show_step(event, state, convo, Book.list, intro=intro)


@router.message(Command("addresses"))
@router.callback_query(MenuAction.filter(F.action == "addresses"))
async def address_book(event: Event, state: FSMContext) -> None:
    await open_book(event, state)


@router.callback_query(StateFilter(Book), BookAction.filter(F.action == "list"))
async def back_to_list(query: CallbackQuery, state: FSMContext) -> None:
    await open_book(query, state)


# Deleting needs its confirmation step; every other action belongs to the book's screens.
@router.callback_query(Book.delete_confirm, BookAction.filter(F.action == "confirm_delete"))
@router.callback_query(
    StateFilter(Book), BookAction.filter(~F.action.in_({"list", "confirm_delete"}))
)
async def book_action(
    query: CallbackQuery,
    callback_data: BookAction,
    state: FSMContext,
    callback_answer: CallbackAnswer,
) -> None:
    saved = await find_address(db(), query.from_user.id, callback_data.address_id)
    if saved is None:
        await open_book(query, state, texts.saved_not_found())
        return
    convo = await Conversation.load(state)
    convo.data["book_id"] = saved.id
    action = callback_data.action
    if action == "open":
        await show_step(query, state, convo, Book.view, remember=False)
    elif action in ("ship_from", "ship_to"):
        draft = convo.draft or convo.start_draft()
        role = "sender" if action == "ship_from" else "recipient"
        draft.addresses[role] = as_address(saved)
        convo.draft = draft
        # The label flow starts afresh from here: Back does not lead into the book.
        convo.data["history"] = []
        await state.set_state(None)
        await continue_draft(query, state, convo, texts.address_used(role, saved.label))
    elif action == "edit":
        await show_step(query, state, convo, Label.choose_field)
    elif action == "rename":
        await show_step(query, state, convo, Book.rename, remember=False)
    elif action == "default":
        await make_default_sender(db(), saved)
        await show_step(query, state, convo, Book.view, intro=texts.default_sender_set(saved.label))
    elif action == "delete":
        await show_step(query, state, convo, Book.delete_confirm, remember=False)
    elif action == "confirm_delete":
        await delete_address(db(), saved)
        await open_book(query, state, texts.deleted(saved.label))
    else:
        callback_answer.text = texts.use_buttons()


@router.message(Book.rename, ANSWER)
async def new_label_name(message: Message, state: FSMContext) -> None:
    convo = await Conversation.load(state)
    saved = await _opened(convo, message.from_user.id)
    try:
        label = clean_label(message.text)
        if saved is not None:
            await rename_address(db(), saved, label)
    except Rejected as rejected:
        await reask(message, state, rejection_text(rejected))
        return
    await show_step(message, state, convo, Book.view, remember=False)
