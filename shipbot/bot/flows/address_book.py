"""The address book (SPEC §3.6): list, view, use, edit, rename, delete, default sender.

Every id in a button is looked up through its owner, so another user's id is "not found".
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer

from shipbot.bot.flows.chat_state import ChatState, Section
from shipbot.bot.flows.dialog import ANSWER, Dialog, Event, db
from shipbot.bot.flows.new_label.progress import next_step
from shipbot.bot.flows.states import Book, Label
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


async def _list(chat: ChatState, user_id: int):
    saved = await list_addresses(db(), user_id)
    return texts.book_list(len(saved), MAX_ADDRESSES), keyboards.book_list(
        (entry.id, entry.label, entry.is_default_sender) for entry in saved
    )


async def _opened(chat: ChatState, user_id: int) -> SavedAddress | None:
    return await find_address(db(), user_id, chat.book.address_id)


async def _view(chat: ChatState, user_id: int):
    saved = await _opened(chat, user_id)
    if saved is None:
        return await _list(chat, user_id)
    return (
        texts.book_entry(saved.label, as_address(saved), saved.is_default_sender),
        keyboards.book_entry(saved.id, saved.is_default_sender),
    )


async def _rename(chat: ChatState, user_id: int):
    saved = await _opened(chat, user_id)
    return texts.ask_rename(saved.label if saved else ""), keyboards.book_back(chat.book.address_id)


async def _delete(chat: ChatState, user_id: int):
    saved = await _opened(chat, user_id)
    return texts.confirm_delete(saved.label if saved else ""), keyboards.book_confirm_delete(
        chat.book.address_id
    )


SCREENS = {Book.list: _list, Book.view: _view, Book.rename: _rename, Book.delete_confirm: _delete}


async def open_book(dialog: Dialog, intro: str | None = None) -> None:
    await dialog.enter(await dialog.load(), Section.book, Book.list, intro=intro)


async def address_book(event: Event, dialog: Dialog) -> None:
    await open_book(dialog)


async def back_to_list(query: CallbackQuery, dialog: Dialog) -> None:
    await open_book(dialog)


async def book_action(
    query: CallbackQuery,
    callback_data: BookAction,
    dialog: Dialog,
    callback_answer: CallbackAnswer,
) -> None:
    saved = await find_address(db(), query.from_user.id, callback_data.address_id)
    if saved is None:
        await open_book(dialog, texts.saved_not_found())
        return
    chat = await dialog.load()
    chat.book.address_id = saved.id
    action = callback_data.action
    if action == "open":
        await dialog.show(chat, Book.view, remember=False)
    elif action in ("ship_from", "ship_to"):
        draft = chat.draft or chat.start_draft()
        role = "sender" if action == "ship_from" else "recipient"
        draft.addresses[role] = as_address(saved)
        # The label flow starts afresh from here: Back does not lead into the book.
        intro = texts.address_used(role, saved.label)
        await dialog.enter(chat, Section.label, next_step(chat), intro=intro)
    elif action == "edit":
        await dialog.show(chat, Label.choose_field)
    elif action == "rename":
        await dialog.show(chat, Book.rename, remember=False)
    elif action == "default":
        await make_default_sender(db(), saved)
        await dialog.show(chat, Book.view, intro=texts.default_sender_set(saved.label))
    elif action == "delete":
        await dialog.show(chat, Book.delete_confirm, remember=False)
    elif action == "confirm_delete":
        await delete_address(db(), saved)
        await open_book(dialog, texts.deleted(saved.label))
    else:
        callback_answer.text = texts.use_buttons()


async def new_label_name(message: Message, dialog: Dialog) -> None:
    chat = await dialog.load()
    saved = await _opened(chat, message.from_user.id)
    try:
        label = clean_label(message.text)
        if saved is not None:
            await rename_address(db(), saved, label)
    except Rejected as rejected:
        await dialog.reask(rejection_text(rejected))
        return
    await dialog.show(chat, Book.view, remember=False)


def build_router() -> Router:
    router = Router(name="address-book")
    on_button = router.callback_query.register
    router.message.register(address_book, Command("addresses"))
    on_button(address_book, MenuAction.filter(F.action == "addresses"))
    on_button(back_to_list, StateFilter(Book), BookAction.filter(F.action == "list"))
    # Deleting needs its confirmation step; every other action belongs to the book's screens.
    on_button(book_action, Book.delete_confirm, BookAction.filter(F.action == "confirm_delete"))
    others = BookAction.filter(~F.action.in_({"list", "confirm_delete"}))
    on_button(book_action, StateFilter(Book), others)
    router.message.register(new_label_name, Book.rename, ANSWER)
    return router
