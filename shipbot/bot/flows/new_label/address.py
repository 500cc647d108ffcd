"""Address entry (SPEC §3.1): paste the whole address, answer field by field, or pick a saved one.

Every field goes through its rule in `domain/`; a rejected answer repeats the same question
with the problem and an example, and stores nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.state import State
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer

from shipbot.bot.flows.chat_state import ChatState, FieldProblem, Fields, Pending, ReturnTo
from shipbot.bot.flows.dialog import ANSWER, Dialog, Renderer, db
from shipbot.bot.flows.new_label.progress import address_complete, finish_edit
from shipbot.bot.flows.states import Field, Label
from shipbot.bot.ui import label_keyboards as keyboards
from shipbot.bot.ui import label_texts as texts
from shipbot.bot.ui.callbacks import AddressCheck, CityPick, EditField, Nav, UseSaved
from shipbot.bot.ui.rejections import rejection_text
from shipbot.domain.address_parsing import PartialAddress, looks_like_full_address, parse_partial
from shipbot.domain.errors import Rejected
from shipbot.domain.phones import clean_phone
from shipbot.domain.states import clean_state
from shipbot.domain.text_fields import (
    Cleaned,
    clean_city,
    clean_company,
    clean_name,
    clean_street1,
    clean_street2,
)
from shipbot.domain.zip_data import (
    check_city,
    check_zip_state,
    cities_for,
    clean_zip,
    lookup,
)
from shipbot.services.address_book import as_address, find_address, list_addresses

Rule = Callable[[str, Fields], Cleaned]  # a typed answer, given the address entered so far


@dataclass(frozen=True)
class FieldSpec:
    step: State
    rule: Rule
    skip: bool = False  # optional: the prompt offers Skip
    then: str | None = None  # asked next when entering an address; None: the address is done
    ends_edit: bool = True  # an edit of this field is done once it is answered
    ask: Renderer | None = None  # None: the field's question with Back and Cancel


def _text(clean: Callable[[str], Cleaned]) -> Rule:
    return lambda text, fields: clean(text)


def _exact(clean: Callable[[str], str]) -> Rule:
    return lambda text, fields: Cleaned(clean(text), transliterated=False)


def _city(text: str, fields: Fields) -> Cleaned:
    """One of the ZIP's cities, or "City, ST" whose state must be the ZIP's: a city the
    carrier would refuse later is refused here, with the ZIP's cities named."""
    city_text, _, state_text = text.rpartition(",")
    if city_text.strip() and state_text.strip():
        check_zip_state(fields["zip"], clean_state(state_text))
    cleaned = clean_city(city_text if city_text.strip() else text)
    city = check_city(fields["zip"], cleaned.value, transliterated=cleaned.transliterated)
    return Cleaned(city, cleaned.transliterated)


async def _ask_city(chat: ChatState, user_id: int):
    zip_code = chat.address["zip"]
    info = lookup(zip_code[:5])
    choices = [f"{city}, {info.state}" for city in cities_for(zip_code)] if info else []
    current = chat.address.get("city")
    return (
        texts.ask_city(zip_code, cities_for(zip_code), info.state if info else "", current),
        keyboards.cities(choices),
    )


FIELDS = {
    "name": FieldSpec(Field.name, _text(clean_name), then="street1"),
    "company": FieldSpec(Field.company, _text(clean_company), skip=True),
    "street1": FieldSpec(Field.street1, _text(clean_street1), then="street2"),
    "street2": FieldSpec(Field.street2, _text(clean_street2), skip=True, then="zip"),
    # The city is proposed from the ZIP, so a new ZIP asks for it again, in an edit too.
    "zip": FieldSpec(Field.zip, _exact(clean_zip), then="city", ends_edit=False),
    "city": FieldSpec(Field.city, _city, then="phone", ask=_ask_city),
    "phone": FieldSpec(Field.phone, _exact(clean_phone), skip=True),
}
FIELD_OF_STEP = {spec.step.state: field for field, spec in FIELDS.items()}


# --- prompts -------------------------------------------------------------------------------


async def _ask_address(chat: ChatState, user_id: int):
    has_saved = bool(await list_addresses(db(), user_id))
    return texts.ask_address(chat.role), keyboards.address(has_saved)


def _ask_field(field: str) -> Renderer:
    async def ask(chat: ChatState, user_id: int):
        current = chat.address.get(field)
        return texts.ask_field(field, chat.role, current), keyboards.field_answers(
            optional=FIELDS[field].skip, has_value=bool(current)
        )

    return ask


async def _confirm_value(chat: ChatState, user_id: int):
    pending = chat.pending
    return texts.confirm_value(pending.field, pending.value), keyboards.confirm_value()


async def _check_address(chat: ChatState, user_id: int):
    return texts.check_address(chat.role, chat.address), keyboards.check_address()


async def _choose_field(chat: ChatState, user_id: int):
    return texts.choose_field(), keyboards.address_fields()


async def _pick_saved(chat: ChatState, user_id: int):
    saved = await list_addresses(db(), user_id)
    role = "sender" if chat.pick_starts_label else chat.role
    return texts.pick_saved(role), keyboards.saved_addresses(
        (entry.id, entry.label) for entry in saved
    )


SCREENS = {
    Label.address: _ask_address,
    **{spec.step: spec.ask or _ask_field(field) for field, spec in FIELDS.items()},
    Field.confirm_value: _confirm_value,
    Label.check_address: _check_address,
    Label.choose_field: _choose_field,
    Label.saved_pick: _pick_saved,
}


# --- storing answers -----------------------------------------------------------------------


async def store_field(dialog: Dialog, chat: ChatState, field: str, value: str | None) -> None:
    spec = FIELDS[field]
    chat.address[field] = value
    if field == "city":
        chat.address["state"] = lookup(chat.address["zip"][:5]).state
    # A confirmation screen is not a step to come back to.
    remember = await dialog.step() != Field.confirm_value.state
    chat.pending = None
    if spec.ends_edit and chat.edit:
        await finish_edit(dialog, chat)
    elif field in chat.asking:
        await _ask_next_problem(dialog, chat, field, remember)
    elif spec.then is None:
        await address_complete(dialog, chat)
    else:
        await dialog.show(chat, FIELDS[spec.then].step, remember=remember)


async def _ask_next_problem(dialog: Dialog, chat: ChatState, answered: str, remember: bool):
    """After a field of a pasted address was answered: the next one still wrong, else the card.

    A new ZIP keeps the city written in the paste when it is one of the new ZIP's cities,
    and asks for the city otherwise."""
    asking = chat.asking
    if answered == "zip" and "city" not in asking:
        try:
            chat.address["city"] = check_city(chat.address["zip"], chat.address.get("city") or "")
            chat.address["state"] = lookup(chat.address["zip"][:5]).state
        except Rejected as not_in_zip:
            asking.insert(asking.index("zip") + 1, "city")
            chat.refused["city"] = FieldProblem.of(not_in_zip)
    later = asking[asking.index(answered) + 1 :]
    if not later:
        await dialog.show(chat, Label.check_address, remember=remember)
        return
    problem = chat.refused.get(later[0])
    intro = rejection_text(problem.rejected(later[0])) if problem else None
    await dialog.show(chat, FIELDS[later[0]].step, intro=intro, remember=remember)


def _asked_fields(problems: tuple[str, ...]) -> list[str]:
    """The fields to ask, in the order field-by-field entry asks them; the state comes with
    the city, from the ZIP."""
    wanted = set(problems) | ({"city"} if "state" in problems else set())
    return [field for field in FIELDS if field in wanted]


async def accept_field(dialog: Dialog, chat: ChatState, field: str, text: str) -> None:
    rule = FIELDS[field].rule
    accepted = await dialog.cleaned(lambda answer: rule(answer, chat.address), text)
    if accepted is None:
        return
    if accepted.transliterated:
        chat.pending = Pending(field=field, value=accepted.value)
        await dialog.show(chat, Field.confirm_value)
        return
    await store_field(dialog, chat, field, accepted.value)


async def take_paste(dialog: Dialog, chat: ChatState, text: str, *, remember: bool) -> None:
    """A whole pasted address: its card to check, or, when some fields are wrong or missing,
    the card with those marked and the question for the first of them; everything right in
    the paste is kept. Two addresses in one message are refused as a whole."""
    partial: PartialAddress | None = await dialog.cleaned(parse_partial, text)
    if partial is None:
        return
    chat.address = dict(partial.fields)
    chat.asking = _asked_fields(partial.problems)
    chat.refused = {field: FieldProblem.of(problem) for field, problem in partial.invalid.items()}
    notes = texts.parsed_notes(partial.transliterated, partial.city_from_zip)
    if not chat.asking:
        await dialog.show(chat, Label.check_address, intro=notes, remember=remember)
        return
    first = chat.asking[0]
    problem = partial.invalid.get(first)
    intro = "\n\n".join(
        part
        for part in (
            texts.partial_address(chat.role, chat.address, partial.problems),
            notes,
            problem and rejection_text(problem),
        )
        if part
    )
    await dialog.show(chat, FIELDS[first].step, intro=intro, remember=remember)


async def address_given(message: Message, dialog: Dialog, raw_state: str) -> None:
    """A whole pasted address; on the address step, anything else starts with the name.

    Pasting again while checking a parsed address replaces it.
    """
    checking = raw_state == Label.check_address.state
    chat = await dialog.load()
    if looks_like_full_address(message.text):
        await take_paste(dialog, chat, message.text, remember=not checking)
    elif checking:
        await dialog.reask(texts.use_buttons())
    else:
        chat.asking, chat.refused = [], {}
        await accept_field(dialog, chat, "name", message.text)


async def field_given(message: Message, dialog: Dialog, raw_state: str) -> None:
    await accept_field(dialog, await dialog.load(), FIELD_OF_STEP[raw_state], message.text)


async def value_retyped(message: Message, dialog: Dialog) -> None:
    chat = await dialog.load()
    await accept_field(dialog, chat, chat.pending.field, message.text)


async def value_confirmed(query: CallbackQuery, dialog: Dialog) -> None:
    chat = await dialog.load()
    pending = chat.pending
    await store_field(dialog, chat, pending.field, pending.value)


async def city_picked(
    query: CallbackQuery, callback_data: CityPick, dialog: Dialog, callback_answer: CallbackAnswer
) -> None:
    chat = await dialog.load()
    cities = cities_for(chat.address["zip"])
    if not 0 <= callback_data.index < len(cities):
        callback_answer.text = texts.use_buttons()
        return
    await store_field(dialog, chat, "city", cities[callback_data.index])


async def field_skipped(query: CallbackQuery, dialog: Dialog, raw_state: str) -> None:
    """Skip on an empty optional field, or Clear on one with a value."""
    await store_field(dialog, await dialog.load(), FIELD_OF_STEP[raw_state], None)


async def field_kept(
    query: CallbackQuery, dialog: Dialog, raw_state: str, callback_answer: CallbackAnswer
) -> None:
    chat = await dialog.load()
    field = FIELD_OF_STEP[raw_state]
    value = chat.address.get(field)
    if not value:
        callback_answer.text = texts.use_buttons()
        return
    await store_field(dialog, chat, field, value)


# --- confirming, correcting and choosing addresses -----------------------------------------


async def address_correct(query: CallbackQuery, dialog: Dialog) -> None:
    await address_complete(dialog, await dialog.load())


async def address_edit(query: CallbackQuery, dialog: Dialog) -> None:
    await dialog.show(await dialog.load(), Label.choose_field)


async def field_chosen(
    query: CallbackQuery, callback_data: EditField, dialog: Dialog, callback_answer: CallbackAnswer
) -> None:
    chat = await dialog.load()
    if chat.in_address_book:
        saved = await find_address(db(), query.from_user.id, chat.book.address_id)
        if saved is None:
            callback_answer.text = texts.saved_not_found()
            callback_answer.show_alert = True
            return
        chat.start_edit(ReturnTo.book, as_address(saved).to_dict())
    else:
        chat.start_edit(ReturnTo.check, chat.address)
    await dialog.show(chat, FIELDS[callback_data.field].step)


async def saved_chosen(
    query: CallbackQuery, callback_data: UseSaved, dialog: Dialog, raw_state: str
) -> None:
    saved = await find_address(db(), query.from_user.id, callback_data.address_id)
    if saved is None:
        await dialog.reask(texts.saved_not_found())
        return
    chat = await dialog.load()
    if raw_state == Label.entry.state or chat.pick_starts_label:
        chat.start_draft()
    chat.address = as_address(saved).to_dict()
    if chat.edit:
        await finish_edit(dialog, chat)
    else:
        await address_complete(dialog, chat)


def build_router() -> Router:
    router = Router(name="label-address")
    on_message, on_button = router.message.register, router.callback_query.register
    on_message(address_given, StateFilter(Label.address, Label.check_address), ANSWER)
    on_message(field_given, StateFilter(*(spec.step for spec in FIELDS.values())), ANSWER)
    on_message(value_retyped, Field.confirm_value, ANSWER)
    on_button(value_confirmed, Field.confirm_value, AddressCheck.filter(F.action == "keep_value"))
    on_button(city_picked, Field.city, CityPick.filter())
    skippable = StateFilter(*(spec.step for spec in FIELDS.values() if spec.skip))
    on_button(field_skipped, skippable, Nav.filter(F.action.in_({"skip", "clear"})))
    typed = StateFilter(*(spec.step for field, spec in FIELDS.items() if field != "city"))
    on_button(field_kept, typed, Nav.filter(F.action == "keep_value"))
    on_button(address_correct, Label.check_address, AddressCheck.filter(F.action == "correct"))
    on_button(address_edit, Label.check_address, AddressCheck.filter(F.action == "edit"))
    on_button(field_chosen, Label.choose_field, EditField.filter(F.field.in_(FIELDS)))
    on_button(saved_chosen, StateFilter(Label.saved_pick, Label.entry), UseSaved.filter())
    return router
