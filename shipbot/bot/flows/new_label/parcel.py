"""The parcel (SPEC §3.1): weight with units, then dimensions as one message or a box preset."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import CallbackQuery, Message

from shipbot.bot.flows.chat_state import ChatState
from shipbot.bot.flows.dialog import ANSWER, Dialog
from shipbot.bot.flows.new_label.progress import continue_draft, end_edit
from shipbot.bot.flows.states import Label
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


async def _ask_weight(chat: ChatState, user_id: int):
    return texts.ask_weight(), keyboards.navigation()


async def _ask_dimensions(chat: ChatState, user_id: int):
    ounces = chat.draft.ounces
    return texts.ask_dimensions(describe_weight(ounces) if ounces else "—"), keyboards.presets()


SCREENS = {Label.weight: _ask_weight, Label.dimensions: _ask_dimensions}


async def _parcel_updated(dialog: Dialog, chat: ChatState) -> None:
    if chat.edit:
        end_edit(chat)
        await dialog.show(chat, Label.review, remember=False)
    else:
        await continue_draft(dialog, chat)


async def weight_given(message: Message, dialog: Dialog) -> None:
    ounces = await dialog.cleaned(clean_weight, message.text)
    if ounces is None:
        return
    chat = await dialog.load()
    chat.draft.ounces = ounces
    await _parcel_updated(dialog, chat)


async def _store_dimensions(dialog: Dialog, dimensions: Dimensions) -> None:
    chat = await dialog.load()
    chat.draft.dimensions = dimensions
    await _parcel_updated(dialog, chat)


async def dimensions_given(message: Message, dialog: Dialog) -> None:
    dimensions = await dialog.cleaned(clean_dimensions, message.text)
    if dimensions is not None:
        await _store_dimensions(dialog, dimensions)


async def preset_chosen(query: CallbackQuery, callback_data: PresetPick, dialog: Dialog) -> None:
    await _store_dimensions(dialog, PRESETS[callback_data.name])


def build_router() -> Router:
    router = Router(name="label-parcel")
    router.message.register(weight_given, Label.weight, ANSWER)
    router.message.register(dimensions_given, Label.dimensions, ANSWER)
    router.callback_query.register(
        preset_chosen, Label.dimensions, PresetPick.filter(F.name.in_(PRESETS))
    )
    return router
