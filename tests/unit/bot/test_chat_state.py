"""The conversation state model: what live chats stored before it still loads, what it stores
reads back the same, and data it cannot read starts the chat over."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from aiogram.fsm.context import FSMContext
from aiogram.fsm.storage.base import StorageKey
from aiogram.fsm.storage.memory import MemoryStorage

from shipbot.bot.flows.chat_state import VERSION, ChatState, ReturnTo, Section
from shipbot.db.models import utcnow
from shipbot.domain.address import Address
from shipbot.domain.parcel import Dimensions
from shipbot.services.quoting import PricedRate

SENDER = {
    "name": "John Smith",
    "company": None,
    "street1": "215 Clayton St",
    "street2": "Apt 4",
    "city": "San Francisco",
    "state": "CA",
    "zip": "94117",
    "phone": "+14155550100",
}

RATE = {
    "rate_id": "se-1",
    "carrier_id": "se-usps",
    "carrier_code": "usps",
    "carrier_name": "USPS",
    "service_code": "usps_priority_mail",
    "service_name": "Priority Mail",
    "carrier_total_cents": 812,
    "price_cents": 900,
    "delivery_days": 2,
    "estimated_delivery": None,
}

# As the code before the model left it: the sender done, the parcel weighed, the recipient's
# ZIP being edited from the parsed-address check.
LEGACY = {
    "draft": {
        "updated_at": "2026-11-30T10:15:00+00:00",
        "addresses": {"sender": SENDER},
        "ounces": "16",
        "dimensions": ["10", "8", "4"],
    },
    "role": "recipient",
    "fields": {"name": "Jane Doe", "street1": "350 5th Ave", "zip": "10118", "city": "New York"},
    "history": [
        {"step": "Label:address", "role": "sender"},
        {"step": "Label:check_address", "role": "sender"},
        {"step": "Label:address", "role": "recipient"},
        {"step": "Label:check_address", "role": "recipient"},
        {"step": "Label:choose_field", "role": "recipient"},
    ],
    "context": "label",
    "editing": {
        "returns_to": "check",
        "fields": {"name": "Jane Doe", "street1": "350 5th Ave", "zip": "10118"},
        "depth": 4,
    },
    "pending": {"field": "name", "value": "Zhanna"},
    "here": {"step": "Field:zip", "role": "recipient"},
    "resume": {"step": "Field:zip", "role": "recipient"},
    "pick_starts_label": False,
    "block": "recipient",
    "save_role": "sender",
    "book_id": 7,
    "orders_page": 2,
    "order_view": "A1B2C3",
    "order_from_refunds": True,
    "invoice_id": "inv42",
    "quote_id": "q-17",
    "rates_problem": {"kind": "NoRates", "message": "too heavy"},
    "price_change": {
        "old": {**RATE, "price_cents": 900},
        "new": {**RATE, "price_cents": 950},
        "quote_id": "q-17",
        "index": 0,
    },
    "order": {"id": "A1B2C3", "rate": {"rate_id": "r1"}},
}


def test_a_legacy_dict_keeps_the_draft_and_where_the_user_is() -> None:
    chat = ChatState.from_stored(LEGACY)

    draft = chat.draft
    assert draft.updated_at == datetime.fromisoformat("2026-11-30T10:15:00+00:00")
    assert draft.addresses == {"sender": Address.from_dict(SENDER)}
    assert draft.ounces == Decimal(16)
    assert draft.dimensions == Dimensions(Decimal(10), Decimal(8), Decimal(4))
    assert chat.section is Section.label
    assert chat.role == "recipient"
    assert chat.fields == LEGACY["fields"]
    assert chat.edit.returns_to is ReturnTo.check
    assert chat.edit.depth == 4
    assert chat.address == LEGACY["editing"]["fields"]  # the copy being edited
    assert (chat.pending.field, chat.pending.value) == ("name", "Zhanna")
    assert [(v.step, v.role) for v in chat.history] == [
        (entry["step"], entry["role"]) for entry in LEGACY["history"]
    ]
    assert (chat.resume.step, chat.resume.role) == ("Field:zip", "recipient")
    assert (chat.block, chat.save_role) == ("recipient", "sender")
    assert chat.book.address_id == 7
    assert (chat.orders.page, chat.orders.viewed, chat.orders.from_refunds) == (2, "A1B2C3", True)
    assert chat.balance.invoice_id == "inv42"
    assert chat.rates.quote_id == "q-17"
    assert (chat.rates.problem.kind, chat.rates.problem.message) == ("NoRates", "too heavy")
    assert chat.rates.price_change.new == PricedRate.from_dict({**RATE, "price_cents": 950})
    assert chat.rates.order_id == "A1B2C3"
    assert "here" not in chat.model_dump(mode="json")  # the FSM state says where the chat is


def test_a_legacy_edit_of_a_saved_address_keeps_its_address() -> None:
    legacy = {
        "context": "book",
        "book_id": 3,
        "editing": {"returns_to": "book", "fields": SENDER, "depth": 1, "book_id": 3},
        "history": [{"step": "Book:view", "role": "sender"}],
    }
    chat = ChatState.from_stored(legacy)
    assert chat.in_address_book
    assert chat.book.address_id == 3
    assert chat.edit.returns_to is ReturnTo.book
    assert chat.draft is None


def test_an_empty_dict_is_a_fresh_start() -> None:
    assert ChatState.from_stored({}) == ChatState()


def test_what_is_stored_reads_back_the_same() -> None:
    chat = ChatState.from_stored(LEGACY)
    stored = chat.model_dump(mode="json")
    assert stored["version"] == VERSION
    assert ChatState.from_stored(stored) == chat
    assert ChatState.from_stored(stored).model_dump(mode="json") == stored


def test_a_draft_changed_in_place_is_stored() -> None:
    chat = ChatState()
    draft = chat.start_draft()
    draft.ounces = Decimal("2.5")
    draft.addresses["sender"] = Address.from_dict(SENDER)
    again = ChatState.from_stored(chat.model_dump(mode="json"))
    assert again.draft == draft


def test_an_unknown_version_or_unreadable_data_is_not_read() -> None:
    assert ChatState.from_stored({**ChatState().model_dump(mode="json"), "version": 99}) is None
    assert ChatState.from_stored({"version": VERSION, "history": "nonsense"}) is None
    assert ChatState.from_stored({"draft": {"addresses": {}}}) is None  # legacy, no updated_at


def _context() -> FSMContext:
    return FSMContext(MemoryStorage(), StorageKey(bot_id=1, chat_id=2, user_id=2))


async def test_loading_unreadable_data_starts_the_chat_over() -> None:
    state = _context()
    await state.set_state("Field:city")
    await state.set_data({"version": VERSION + 1, "label": {"whatever": True}})
    chat = await ChatState.load(state)
    assert chat == ChatState()
    assert await state.get_state() is None
    assert await state.get_data() == {}


async def test_saving_and_loading_through_fsm_data() -> None:
    state = _context()
    await state.set_data(LEGACY)
    chat = await ChatState.load(state)
    chat.draft.updated_at = utcnow() - timedelta(minutes=1)
    await chat.save(state)
    assert (await state.get_data())["version"] == VERSION
    assert await ChatState.load(state) == chat


def test_back_returns_to_a_step_with_the_role_it_was_shown_for() -> None:
    chat = ChatState.from_stored({"role": "sender", "history": []})
    chat.role = "recipient"  # moved on to the next address while leaving the step
    chat.push("Label:check_address")
    assert (chat.history[-1].step, chat.history[-1].role) == ("Label:check_address", "sender")


def test_ending_an_edit_forgets_its_steps_and_the_step_it_returns_to() -> None:
    chat = ChatState.from_stored(LEGACY)
    chat.end_edit("Label:check_address")
    assert chat.edit is None and chat.pending is None
    steps = [visited.step for visited in chat.history]
    assert steps == ["Label:address", "Label:check_address", "Label:address"]
