"""The conversation's steps, one FSM state each: the new label flow, the address form, rates,
orders, the balance and the address book."""

from aiogram.fsm.state import State, StatesGroup


class Label(StatesGroup):
    entry = State()
    address = State()  # paste a whole address, or start field by field with the name
    saved_pick = State()
    check_address = State()
    choose_field = State()
    weight = State()
    dimensions = State()
    review = State()
    review_block = State()
    save_label = State()
    recipient_correction = State()  # the carrier corrected the recipient: use it or keep mine
    cancel_confirm = State()


class Field(StatesGroup):
    """One address field at a time; also used to edit a field of any address."""

    name = State()
    company = State()
    street1 = State()
    street2 = State()
    zip = State()
    city = State()  # city and state, proposed from the ZIP
    phone = State()
    confirm_value = State()  # a transliterated value shown back for confirmation


class Rates(StatesGroup):
    list = State()
    problem = State()  # the carrier could not quote: its reason, and ways on
    price_changed = State()
    ordered = State()


class Orders(StatesGroup):
    list = State()
    view = State()
    tracking = State()
    refund_confirm = State()
    refunds = State()


class Money(StatesGroup):
    balance = State()
    amount = State()
    invoice = State()


class Book(StatesGroup):
    list = State()
    view = State()
    rename = State()
    delete_confirm = State()


_STEPS = {
    step.state: step
    for group in (Label, Field, Rates, Money, Orders, Book)
    for step in group.__all_states__
}


def step_named(name: str) -> State:
    return _STEPS[name]
