"""Where the flow goes after a step is answered: the next missing piece, or back to where an
edit started."""

from __future__ import annotations

from aiogram.fsm.context import FSMContext

from shipbot.bot.flows.new_label.conversation import RETURN_STEPS, Conversation
from shipbot.bot.flows.new_label.states import Label
from shipbot.bot.flows.new_label.steps import Event, db, show_step
from shipbot.bot.ui import label_texts as texts
from shipbot.domain.address import Address
from shipbot.domain.draft import ROLES
from shipbot.services.address_book import find_address, update_address


async def continue_draft(
    event: Event, state: FSMContext, convo: Conversation, intro: str | None = None
) -> None:
    convo.in_address_book = False
    draft = convo.draft
    missing_role = next((role for role in ROLES if role not in draft.addresses), None)
    if missing_role:
        convo.role = missing_role
        convo.fields = {}
        await show_step(event, state, convo, Label.address, intro=intro)
    elif draft.ounces is None:
        await show_step(event, state, convo, Label.weight, intro=intro)
    elif draft.dimensions is None:
        await show_step(event, state, convo, Label.dimensions, intro=intro)
    else:
        await show_step(event, state, convo, Label.review, intro=intro)


async def address_complete(event: Event, state: FSMContext, convo: Conversation) -> None:
    draft = convo.draft
    draft.addresses[convo.role] = Address.from_dict(convo.fields)
    convo.draft = draft
    await continue_draft(event, state, convo)


async def finish_edit(event: Event, state: FSMContext, convo: Conversation) -> None:
    """An edited copy replaces its original, then the user is back where the edit started."""
    editing = convo.end_edit()
    returns_to = editing["returns_to"]
    intro = None
    if returns_to == "check":
        convo.data["fields"] = editing["fields"]
    elif returns_to == "review":
        draft = convo.draft
        if editing.get("role") in ROLES:
            draft.addresses[editing["role"]] = Address.from_dict(editing["fields"])
        convo.draft = draft
        intro = texts.address_changed()
    elif saved := await find_address(db(), event.from_user.id, editing["book_id"]):
        update_address(saved, Address.from_dict(editing["fields"]))
        intro = texts.address_changed()
    await show_step(event, state, convo, RETURN_STEPS[returns_to], intro=intro, remember=False)


async def abandon_edit(event: Event, state: FSMContext, convo: Conversation) -> None:
    editing = convo.end_edit()
    await show_step(event, state, convo, RETURN_STEPS[editing["returns_to"]], remember=False)
