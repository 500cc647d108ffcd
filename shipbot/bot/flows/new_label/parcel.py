"""The parcel (SPEC §3.1): weight with units, then dimensions as one message or a box preset."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from shipbot.bot.flows.new_label.conversation import Conversation
from shipbot.bot.flows.new_label.progress import continue_draft
from shipbot.bot.flows.new_label.states import Label
from shipbot.bot.flows.new_label.steps import ANSWER, Event, cleaned, renders, show_step
from shipbot.bot.ui import label_keyboards as keyboards
from shipbot.bot.ui import label_texts as texts
from shipbot.bot.ui.callbacks import PresetPick
from shipbot.domain.parcel import (
    PRESETS,
    Dimensions,
    clean_dimensions,
    clean_weight,
    describe_weight,
)

router = Router(name="label-parcel")


@renders(Label.weight)
async def _ask_weight(convo: Conversation, user_id: int):
    return texts.ask_weight(), keyboards.navigation()


@renders(Label.dimensions)
async def _ask_dimensions(convo: Conversation, user_id: int):
    ounces = convo.draft.ounces
    return texts.ask_dimensions(describe_weight(ounces) if ounces else "—"), keyboards.presets()


async def _parcel_updated(event: Event, state: FSMContext, convo: Conversation) -> None:
    if convo.editing:
        convo.end_edit()
        await show_step(event, state, convo, Label.review, remember=False)
    else:
        await continue_draft(event, state, convo)


@router.message(Label.weight, ANSWER)
async def weight_given(message: Message, state: FSMContext) -> None:
    ounces = await cleaned(message, state, clean_weight, message.text)
    if ounces is None:
        return
    convo = await Conversation.load(state)
    draft = convo.draft
    draft.ounces = ounces
    convo.draft = draft
    await _parcel_updated(message, state, convo)


async def _store_dimensions(event: Event, state: FSMContext, dimensions: Dimensions) -> None:
    convo = await Conversation.load(state)
    draft = convo.draft
    draft.dimensions = dimensions
    convo.draft = draft
    await _parcel_updated(event, state, convo)


@router.message(Label.dimensions, ANSWER)
async def dimensions_given(message: Message, state: FSMContext) -> None:
    dimensions = await cleaned(message, state, clean_dimensions, message.text)
    if dimensions is not None:
        await _store_dimensions(message, state, dimensions)


@router.callback_query(Label.dimensions, PresetPick.filter(F.name.in_(PRESETS)))
async def preset_chosen(query: CallbackQuery, callback_data: PresetPick, state: FSMContext) -> None:
    await _store_dimensions(query, state, PRESETS[callback_data.name])
