"""Every dispatcher gets flow routers of its own, so several can live in one process."""

from aiogram import Dispatcher

from shipbot.bot.flows import (
    address_book,
    balance,
    fallback,
    menu,
    navigation,
    new_label,
    orders,
    rates,
)
from shipbot.bot.flows.new_label.address import FIELDS
from shipbot.bot.ui.label_keyboards import EDITABLE_FIELDS

FLOWS = (menu, balance, orders, address_book, new_label, rates, navigation, fallback)


def test_any_number_of_dispatchers_get_the_flows() -> None:
    dispatchers = [Dispatcher() for _ in range(3)]
    for dispatcher in dispatchers:
        dispatcher.include_routers(*(flow.build_router() for flow in FLOWS))
    assert all(len(dispatcher.sub_routers) == len(FLOWS) for dispatcher in dispatchers)


def test_every_editable_field_has_its_spec() -> None:
    assert set(EDITABLE_FIELDS) == set(FIELDS)
