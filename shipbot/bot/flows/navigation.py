"""Back, Cancel and Skip's siblings on every prompt of the flows, and input a step cannot use."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.types import CallbackQuery, Message

from shipbot.bot.flows.chat_state import ChatState
from shipbot.bot.flows.dialog import Dialog
from shipbot.bot.flows.menu import show_menu
from shipbot.bot.flows.new_label.progress import abandon_edit
from shipbot.bot.flows.states import Book, Field, Label, Money, Orders, Rates
from shipbot.bot.ui import label_keyboards as keyboards
from shipbot.bot.ui import label_texts as texts
from shipbot.bot.ui.callbacks import Nav
from shipbot.db.models import User

IN_FLOW = StateFilter(Label, Field, Rates, Money, Orders, Book)


async def _confirm_cancel(chat: ChatState, user_id: int):
    return texts.confirm_cancel(), keyboards.confirm_cancel()


SCREENS = {Label.cancel_confirm: _confirm_cancel}


async def back(query: CallbackQuery, dialog: Dialog, user: User) -> None:
    chat = await dialog.load()
    if chat.edit:
        await abandon_edit(dialog, chat)
        return
    chat.pending = None
    if not await dialog.back(chat):
        await dialog.state.set_state(None)
        await chat.save(dialog.state)
        await show_menu(query, user)


async def cancel(query: CallbackQuery, dialog: Dialog, user: User) -> None:
    chat = await dialog.load()
    if chat.in_address_book:
        # Editing a saved address is not a label draft: cancelling drops only the edit.
        await back(query, dialog, user)
        return
    await dialog.show(chat, Label.cancel_confirm)


async def keep_going(query: CallbackQuery, dialog: Dialog, user: User) -> None:
    """Back to the step where Cancel was pressed, an edit in progress included."""
    if not await dialog.back(await dialog.load()):
        await back(query, dialog, user)


async def discard(query: CallbackQuery, dialog: Dialog, user: User) -> None:
    await dialog.state.clear()
    await show_menu(query, user, texts.draft_discarded())


async def unusable_input(message: Message, dialog: Dialog) -> None:
    await dialog.reask(texts.use_buttons())


def build_router() -> Router:
    router = Router(name="label-navigation")
    router.callback_query.register(back, IN_FLOW, Nav.filter(F.action == "back"))
    router.callback_query.register(cancel, IN_FLOW, Nav.filter(F.action == "cancel"))
    router.callback_query.register(keep_going, Label.cancel_confirm, Nav.filter(F.action == "keep"))
    router.callback_query.register(discard, Label.cancel_confirm, Nav.filter(F.action == "discard"))
    router.message.register(unusable_input, IN_FLOW)
    return router
