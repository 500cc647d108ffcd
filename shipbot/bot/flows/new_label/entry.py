"""Starting a label (SPEC §3.1): `/new` and the menu button offer the unfinished draft and the
address book; a draft idle for 24 hours is discarded with a notice."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message, TelegramObject

from shipbot.bot.flows.chat_state import ChatState, Section
from shipbot.bot.flows.dialog import ANSWER, Dialog, Event, db
from shipbot.bot.flows.menu import show_menu
from shipbot.bot.flows.new_label.address import take_paste
from shipbot.bot.flows.new_label.progress import continue_draft
from shipbot.bot.flows.states import Label, step_named
from shipbot.bot.ui import label_keyboards as keyboards
from shipbot.bot.ui import label_texts as texts
from shipbot.bot.ui.callbacks import EntryChoice, MenuAction
from shipbot.db.models import utcnow
from shipbot.domain.address_parsing import looks_like_full_address
from shipbot.services.address_book import list_addresses


async def _entry(chat: ChatState, user_id: int):
    saved = await list_addresses(db(), user_id)
    default = next(((entry.id, entry.label) for entry in saved if entry.is_default_sender), None)
    has_draft = chat.has_progress
    return texts.entry(has_draft), keyboards.entry(has_draft, default, bool(saved))


SCREENS = {Label.entry: _entry}


async def new_label(event: Event, dialog: Dialog) -> None:
    chat = await dialog.load()
    chat.pasted = None  # an address sent earlier is not this label's
    if chat.has_progress or await list_addresses(db(), event.from_user.id):
        await dialog.enter(chat, Section.label, Label.entry)
        return
    chat.start_draft()
    await dialog.enter(chat, Section.label, Label.address)


async def address_first(message: Message, dialog: Dialog) -> None:
    """An address sent outside any flow starts a new label with it as the sender; with an
    unfinished draft the entry screen asks first, so the draft is not lost unseen."""
    chat = await dialog.load()
    if chat.has_progress:
        chat.pasted = message.text
        await dialog.enter(chat, Section.label, Label.entry, intro=texts.address_first_with_draft())
        return
    await _start_with_paste(dialog, chat, message.text)


async def _start_with_paste(dialog: Dialog, chat: ChatState, paste: str) -> None:
    chat.start_draft()
    # The paste is the answer to the sender's address step, where Back returns.
    await dialog.state.set_state(Label.address)
    await chat.save(dialog.state)
    await take_paste(dialog, chat, paste, remember=True)


async def resume(query: CallbackQuery, dialog: Dialog) -> None:
    chat = await dialog.load()
    chat.pasted = None
    resume_at = chat.resume
    if chat.draft is None:
        chat.start_draft()
        await dialog.show(chat, Label.address)
    elif resume_at is None:
        await continue_draft(dialog, chat)
    else:
        chat.role = resume_at.role
        await dialog.show(chat, step_named(resume_at.step))


async def start_fresh(query: CallbackQuery, dialog: Dialog) -> None:
    chat = await dialog.load()
    paste, chat.pasted = chat.pasted, None
    if paste:
        await _start_with_paste(dialog, chat, paste)
        return
    chat.start_draft()
    await dialog.show(chat, Label.address)


async def pick_saved(query: CallbackQuery, dialog: Dialog, raw_state: str) -> None:
    """From the entry screen the pick starts a new label, but only once an address is chosen:
    Back from the list still finds the unfinished draft."""
    chat = await dialog.load()
    chat.pick_starts_label = raw_state == Label.entry.state
    await dialog.show(chat, Label.saved_pick)


class DraftExpiry(BaseMiddleware):
    """A draft untouched for 24 hours is dropped before anything else sees the update."""

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: Message | CallbackQuery,
        data: dict[str, Any],
    ) -> Any:
        state: FSMContext | None = data.get("state")
        if state is not None:
            draft = (await ChatState.load(state)).draft
            if draft is not None and draft.is_expired(utcnow()):
                await state.clear()
                if isinstance(event, CallbackQuery):
                    await event.answer()
                await show_menu(event, data["user"], texts.draft_expired())
                return None
        return await handler(event, data)


def build_router() -> Router:
    router = Router(name="label-entry")
    router.message.register(new_label, Command("new"))
    router.message.register(
        address_first, StateFilter(None), ANSWER, F.text.func(looks_like_full_address)
    )
    router.callback_query.register(new_label, MenuAction.filter(F.action == "new_label"))
    router.callback_query.register(resume, Label.entry, EntryChoice.filter(F.choice == "resume"))
    router.callback_query.register(
        start_fresh, Label.entry, EntryChoice.filter(F.choice == "fresh")
    )
    router.callback_query.register(
        pick_saved, StateFilter(Label.entry, Label.address), EntryChoice.filter(F.choice == "saved")
    )
    return router
