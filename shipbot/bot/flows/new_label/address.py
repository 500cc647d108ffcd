"""Address entry (SPEC §3.1): paste the whole address, answer field by field, or pick a saved one.

Every field goes through its rule in `domain/`; a rejected answer repeats the same question
with the problem and an example, and stores nothing.
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer

from shipbot.bot.flows.new_label.conversation import Conversation
from shipbot.bot.flows.new_label.progress import address_complete, finish_edit
from shipbot.bot.flows.new_label.states import Field, Label
from shipbot.bot.flows.new_label.steps import ANSWER, Event, cleaned, db, reask, renders, show_step
from shipbot.bot.ui import label_keyboards as keyboards
from shipbot.bot.ui import label_texts as texts
from shipbot.bot.ui.callbacks import AddressCheck, CityPick, EditField, Nav, UseSaved
from shipbot.bot.ui.rejections import rejection_text
from shipbot.domain.address_parsing import looks_like_full_address, parse_address
from shipbot.domain.errors import Rejected
from shipbot.domain.phones import clean_phone
from shipbot.domain.states import clean_state
from shipbot.domain.text_fields import (
    clean_city,
    clean_company,
    clean_name,
    clean_street1,
    clean_street2,
)
from shipbot.domain.zip_data import check_zip_state, cities_for, clean_zip, lookup
from shipbot.services.address_book import as_address, find_address, list_addresses

router = Router(name="label-address")

SEQUENCE = ("name", "street1", "street2", "zip", "city", "phone")
FIELD_STEPS = {
    "name": Field.name,
    "company": Field.company,
    "street1": Field.street1,
    "street2": Field.street2,
    "zip": Field.zip,
    "city": Field.city,
    "phone": Field.phone,
}
OPTIONAL = ("company", "street2", "phone")
TEXT_CLEANERS = {
    "name": clean_name,
    "company": clean_company,
    "street1": clean_street1,
    "street2": clean_street2,
    "city": clean_city,
}


# --- prompts -------------------------------------------------------------------------------


@renders(Label.address)
async def _ask_address(convo: Conversation, user_id: int):
    has_saved = bool(await list_addresses(db(), user_id))
    return texts.ask_address(convo.role), keyboards.address(has_saved)


def _field_prompt(field: str):
    async def prompt(convo: Conversation, user_id: int):
        return texts.ask_field(field, convo.role), keyboards.navigation(skip=field in OPTIONAL)

    return prompt


for _field in ("name", "company", "street1", "street2", "zip", "phone"):
    renders(FIELD_STEPS[_field])(_field_prompt(_field))


def _city_choices(zip_code: str) -> list[str]:
    info = lookup(zip_code[:5])
    return [f"{city}, {info.state}" for city in cities_for(zip_code)] if info else []


@renders(Field.city)
async def _ask_city(convo: Conversation, user_id: int):
    zip_code = convo.fields["zip"]
    choices = _city_choices(zip_code)
    info = lookup(zip_code[:5])
    return (
        texts.ask_city(zip_code, cities_for(zip_code), info.state if info else ""),
        keyboards.cities(choices),
    )


@renders(Field.confirm_value)
async def _confirm_value(convo: Conversation, user_id: int):
    pending = convo.data["pending"]
    return texts.confirm_value(pending["field"], pending["value"]), keyboards.confirm_value()


@renders(Label.check_address)
async def _check_address(convo: Conversation, user_id: int):
    return texts.check_address(convo.role, convo.fields), keyboards.check_address()


@renders(Label.choose_field)
async def _choose_field(convo: Conversation, user_id: int):
    return texts.choose_field(), keyboards.address_fields()


@renders(Label.saved_pick)
async def _pick_saved(convo: Conversation, user_id: int):
    saved = await list_addresses(db(), user_id)
    role = "sender" if convo.data.get("pick_starts_label") else convo.role
    return texts.pick_saved(role), keyboards.saved_addresses(
        (entry.id, entry.label) for entry in saved
    )


# --- storing answers -----------------------------------------------------------------------


async def store_field(
    event: Event, state: FSMContext, convo: Conversation, field: str, value: str | None
) -> None:
    convo.fields[field] = value
    if field == "city":
        convo.fields["state"] = lookup(convo.fields["zip"][:5]).state
    # A confirmation screen is not a step to come back to.
    remember = await state.get_state() != Field.confirm_value.state
    convo.data.pop("pending", None)
    if field == "zip":
        await show_step(event, state, convo, Field.city, remember=remember)
    elif convo.editing:
        await finish_edit(event, state, convo)
    elif field == SEQUENCE[-1]:
        await address_complete(event, state, convo)
    else:
        next_field = SEQUENCE[SEQUENCE.index(field) + 1]
        await show_step(event, state, convo, FIELD_STEPS[next_field], remember=remember)


async def accept_text_field(event: Event, state: FSMContext, field: str, text: str) -> None:
    accepted = await cleaned(event, state, TEXT_CLEANERS[field], text)
    if accepted is None:
        return
    convo = await Conversation.load(state)
    if accepted.transliterated:
        convo.data["pending"] = {"field": field, "value": accepted.value}
        await show_step(event, state, convo, Field.confirm_value)
        return
    await store_field(event, state, convo, field, accepted.value)


@router.message(StateFilter(Label.address, Label.check_address), ANSWER)
async def address_given(message: Message, state: FSMContext, raw_state: str) -> None:
    """A whole pasted address; on the address step, anything else starts with the name.

    Pasting again while checking a parsed address replaces it.
    """
    checking = raw_state == Label.check_address.state
    if not looks_like_full_address(message.text):
        if checking:
            await reask(message, state, texts.use_buttons())
        else:
            await accept_text_field(message, state, "name", message.text)
        return
    parsed = await cleaned(message, state, parse_address, message.text)
    if parsed is None:
        return
    convo = await Conversation.load(state)
    convo.fields = parsed.address.to_dict()
    intro = texts.parsed_notes(parsed.transliterated, parsed.city_from_zip)
    await show_step(message, state, convo, Label.check_address, intro=intro, remember=not checking)


@router.message(StateFilter(Field.name, Field.company, Field.street1, Field.street2), ANSWER)
async def text_field_given(message: Message, state: FSMContext, raw_state: str) -> None:
    await accept_text_field(message, state, raw_state.partition(":")[2], message.text)


@router.message(Field.confirm_value, ANSWER)
async def value_retyped(message: Message, state: FSMContext) -> None:
    convo = await Conversation.load(state)
    field = convo.data["pending"]["field"]
    if field == "city":
        await city_typed(message, state)
    else:
        await accept_text_field(message, state, field, message.text)


@router.callback_query(Field.confirm_value, AddressCheck.filter(F.action == "keep_value"))
async def value_confirmed(query: CallbackQuery, state: FSMContext) -> None:
    convo = await Conversation.load(state)
    pending = convo.data["pending"]
    await store_field(query, state, convo, pending["field"], pending["value"])


@router.message(Field.zip, ANSWER)
async def zip_given(message: Message, state: FSMContext) -> None:
    zip_code = await cleaned(message, state, clean_zip, message.text)
    if zip_code is not None:
        await store_field(message, state, await Conversation.load(state), "zip", zip_code)


@router.callback_query(Field.city, CityPick.filter())
async def city_picked(
    query: CallbackQuery,
    callback_data: CityPick,
    state: FSMContext,
    callback_answer: CallbackAnswer,
) -> None:
    convo = await Conversation.load(state)
    cities = cities_for(convo.fields["zip"])
    if not 0 <= callback_data.index < len(cities):
        callback_answer.text = texts.use_buttons()
        return
    await store_field(query, state, convo, "city", cities[callback_data.index])


@router.message(Field.city, ANSWER)
async def city_typed(message: Message, state: FSMContext) -> None:
    """A city name, or "City, ST" whose state must be the ZIP's."""
    convo = await Conversation.load(state)
    city_text, _, state_text = message.text.rpartition(",")
    try:
        if city_text.strip() and state_text.strip():
            check_zip_state(convo.fields["zip"], clean_state(state_text))
        city_text = city_text if city_text.strip() else message.text
        city = clean_city(city_text)
    except Rejected as rejected:
        await reask(message, state, rejection_text(rejected))
        return
    if city.transliterated:
        convo.data["pending"] = {"field": "city", "value": city.value}
        await show_step(message, state, convo, Field.confirm_value)
        return
    await store_field(message, state, convo, "city", city.value)


@router.message(Field.phone, ANSWER)
async def phone_given(message: Message, state: FSMContext) -> None:
    phone = await cleaned(message, state, clean_phone, message.text)
    if phone is not None:
        await store_field(message, state, await Conversation.load(state), "phone", phone)


@router.callback_query(
    StateFilter(*(FIELD_STEPS[f] for f in OPTIONAL)), Nav.filter(F.action == "skip")
)
async def field_skipped(query: CallbackQuery, state: FSMContext, raw_state: str) -> None:
    convo = await Conversation.load(state)
    await store_field(query, state, convo, raw_state.partition(":")[2], None)


# --- confirming, correcting and choosing addresses -----------------------------------------


@router.callback_query(Label.check_address, AddressCheck.filter(F.action == "correct"))
async def address_correct(query: CallbackQuery, state: FSMContext) -> None:
    await address_complete(query, state, await Conversation.load(state))


@router.callback_query(Label.check_address, AddressCheck.filter(F.action == "edit"))
async def address_edit(query: CallbackQuery, state: FSMContext) -> None:
    await show_step(query, state, await Conversation.load(state), Label.choose_field)


@router.callback_query(Label.choose_field, EditField.filter(F.field.in_(FIELD_STEPS)))
async def field_chosen(
    query: CallbackQuery,
    callback_data: EditField,
    state: FSMContext,
    callback_answer: CallbackAnswer,
) -> None:
    convo = await Conversation.load(state)
    if convo.in_address_book:
        saved = await find_address(db(), query.from_user.id, convo.data.get("book_id", 0))
        if saved is None:
            callback_answer.text = texts.saved_not_found()
            callback_answer.show_alert = True
            return
        convo.start_edit("book", as_address(saved).to_dict(), book_id=saved.id)
    else:
        convo.start_edit("check", convo.fields)
    await show_step(query, state, convo, FIELD_STEPS[callback_data.field])


@router.callback_query(StateFilter(Label.saved_pick, Label.entry), UseSaved.filter())
async def saved_chosen(
    query: CallbackQuery, callback_data: UseSaved, state: FSMContext, raw_state: str
) -> None:
    saved = await find_address(db(), query.from_user.id, callback_data.address_id)
    if saved is None:
        await reask(query, state, texts.saved_not_found())
        return
    convo = await Conversation.load(state)
    if raw_state == Label.entry.state or convo.data.pop("pick_starts_label", False):
        convo.start_draft()
    convo.fields = as_address(saved).to_dict()
    if convo.editing:
        await finish_edit(query, state, convo)
    else:
        await address_complete(query, state, convo)
