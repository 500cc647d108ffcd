"""Starting a label (SPEC §3.1): `/new` and the menu button offer the unfinished draft and the
address book; a draft idle for 24 hours is discarded with a notice."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message, TelegramObject

from shipbot.bot.flows.menu import show_menu
from shipbot.bot.flows.new_label.conversation import Conversation
from shipbot.bot.flows.new_label.progress import continue_draft
from shipbot.bot.flows.new_label.states import Label
from shipbot.bot.flows.new_label.steps import Event, db, renders, show_step, step_named
from shipbot.bot.ui import label_keyboards as keyboards
from shipbot.bot.ui import label_texts as texts
from shipbot.bot.ui.callbacks import EntryChoice, MenuAction
from shipbot.db.models import utcnow
from shipbot.services.address_book import list_addresses

router = Router(name="label-entry")


def _has_progress(convo: Conversation) -> bool:
    draft = convo.draft
    return draft is not None and bool(draft.addresses or draft.ounces or convo.data.get("fields"))


@renders(Label.entry)
async def _entry(convo: Conversation, user_id: int):
    saved = await list_addresses(db(), user_id)
    default = next(((entry.id, entry.label) for entry in saved if entry.is_default_sender), None)
    has_draft = _has_progress(convo)
    return texts.entry(has_draft), keyboards.entry(has_draft, default, bool(saved))


@router.message(Command("new"))
@router.callback_query(MenuAction.filter(F.action == "new_label"))
async def new_label(event: Event, state: FSMContext) -> None:
    convo = await Conversation.load(state)
    await state.set_state(None)
    convo.data["history"] = []
    if convo.in_address_book:
        # An unfinished edit of a saved address is dropped; one of the draft is resumable.
        convo.data.pop("editing", None)
    convo.in_address_book = False
    if _has_progress(convo) or await list_addresses(db(), event.from_user.id):
        await show_step(event, state, convo, Label.entry)
        return
    convo.start_draft()
    await show_step(event, state, convo, Label.address)


@router.callback_query(Label.entry, EntryChoice.filter(F.choice == "resume"))
async def resume(query: CallbackQuery, state: FSMContext) -> None:
    convo = await Conversation.load(state)
    resume_at = convo.data.get("resume")
    if convo.draft is None:
        convo.start_draft()
        await show_step(query, state, convo, Label.address)
    elif resume_at is None:
        await continue_draft(query, state, convo)
    else:
        convo.role = resume_at["role"]
        await show_step(query, state, convo, step_named(resume_at["step"]))


@router.callback_query(Label.entry, EntryChoice.filter(F.choice == "fresh"))
async def start_fresh(query: CallbackQuery, state: FSMContext) -> None:
    convo = await Conversation.load(state)
    convo.start_draft()
    await show_step(query, state, convo, Label.address)


@router.callback_query(
    StateFilter(Label.entry, Label.address), EntryChoice.filter(F.choice == "saved")
)
async def pick_saved(query: CallbackQuery, state: FSMContext, raw_state: str) -> None:
    """From the entry screen the pick starts a new label, but only once an address is chosen:
    Back from the list still finds the unfinished draft."""
    convo = await Conversation.load(state)
    convo.data["pick_starts_label"] = raw_state == Label.entry.state
    await show_step(query, state, convo, Label.saved_pick)


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
            convo = await Conversation.load(state)
            draft = convo.draft
            if draft is not None and draft.is_expired(utcnow()):
                await state.clear()
                if isinstance(event, CallbackQuery):
                    await event.answer()
                await show_menu(event, data["user"], texts.draft_expired())
                return None
        return await handler(event, data)
