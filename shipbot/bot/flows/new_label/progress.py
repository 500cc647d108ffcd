"""Where the flow goes after a step is answered: the next missing piece, or back to where an
edit started."""

from __future__ import annotations

from aiogram.fsm.state import State

from shipbot.bot.flows.chat_state import ChatState, Edit, ReturnTo, Section
from shipbot.bot.flows.dialog import Dialog, db
from shipbot.bot.flows.states import Book, Label
from shipbot.bot.ui import label_texts as texts
from shipbot.domain.address import Address
from shipbot.domain.draft import ROLES
from shipbot.services.address_book import find_address, update_address

RETURN_STEPS = {
    ReturnTo.check: Label.check_address,
    ReturnTo.review: Label.review,
    ReturnTo.book: Book.view,
}


def next_step(chat: ChatState) -> State:
    """The draft's first missing piece; a missing address is entered from scratch."""
    draft = chat.draft
    missing_role = next((role for role in ROLES if role not in draft.addresses), None)
    if missing_role:
        chat.role = missing_role
        chat.address = {}
        return Label.address
    if draft.ounces is None:
        return Label.weight
    if draft.dimensions is None:
        return Label.dimensions
    return Label.review


async def continue_draft(dialog: Dialog, chat: ChatState, intro: str | None = None) -> None:
    chat.section = Section.label
    await dialog.show(chat, next_step(chat), intro=intro)


async def address_complete(dialog: Dialog, chat: ChatState) -> None:
    chat.draft.addresses[chat.role] = Address.from_dict(chat.address)
    chat.asking = []
    await continue_draft(dialog, chat)


def end_edit(chat: ChatState) -> Edit:
    return chat.end_edit(RETURN_STEPS[chat.edit.returns_to].state)


async def finish_edit(dialog: Dialog, chat: ChatState) -> None:
    """An edited copy replaces its original, then the user is back where the edit started."""
    edit = end_edit(chat)
    intro = None
    if edit.returns_to is ReturnTo.check:
        chat.fields = edit.fields
    elif edit.returns_to is ReturnTo.review:
        chat.draft.addresses[chat.role] = Address.from_dict(edit.fields)
        intro = texts.address_changed()
    elif saved := await find_address(db(), dialog.event.from_user.id, chat.book.address_id):
        update_address(saved, Address.from_dict(edit.fields))
        intro = texts.address_changed()
    await dialog.show(chat, RETURN_STEPS[edit.returns_to], intro=intro, remember=False)


async def abandon_edit(dialog: Dialog, chat: ChatState) -> None:
    edit = end_edit(chat)
    await dialog.show(chat, RETURN_STEPS[edit.returns_to], remember=False)
