"""Callback data comes from the client and can be forged (issue 9): amounts are worked out on
the server, and numbers no column holds are answered, never raised."""

from __future__ import annotations

import pytest

from tests.integration.conftest import sqlite_rows
from tests.integration.test_new_label_flow import reach_review_by_pasting
from tests.integration.test_rates_flow import rate_buttons
from tests.support.dialogue import Dialogue

INACTIVE = "This button is no longer active"


def press_raw(chat, message: dict, callback_data: str) -> int:
    """A press with any callback data on a real message, as a modified client can send."""
    pressed = chat.emulator._json(
        chat.emulator.http.post(
            f"/chats/{chat.user_id}/press",
            json={"message_id": message["message_id"], "callback_data": callback_data},
        )
    )
    return pressed["update_id"]


def outcome(sqlite_url: str, update_id: int) -> list[tuple]:
    return sqlite_rows(
        sqlite_url, f"SELECT outcome FROM processed_updates WHERE update_id = {update_id}"
    )


def test_the_top_up_for_an_order_is_computed_on_the_server(emulator, start_bot, sqlite_url):
    start_bot()
    chat = emulator.create_user("Ann")
    talk = Dialogue(emulator, chat)
    reach_review_by_pasting(talk)
    payment = talk.press(rate_buttons(talk.press("💲 Show rates"))[0])
    ((price,),) = sqlite_rows(sqlite_url, "SELECT price_cents FROM orders")

    for forged in ("topup:1", "topup:99999999999", "topup:-500", "topup:0"):
        press_raw(chat, payment, forged)
        emulator.wait_idle()
        assert chat.callback_answers()[-1]["text"] == INACTIVE
    assert sqlite_rows(sqlite_url, "SELECT COUNT(*) FROM invoices") == [(0,)]

    button = next(b for b in talk.buttons() if b.startswith("➕ Top up $"))
    invoice = talk.press(button)
    assert "Pay before" in invoice["text"]
    expected = max(price, 10_00)  # no balance: the price, but at least the $10 minimum
    assert sqlite_rows(sqlite_url, "SELECT amount_cents FROM invoices") == [(expected,)]
    assert f"${expected // 100}.{expected % 100:02d}" in button


@pytest.mark.parametrize(
    ("screen", "forged"),
    [
        ("/addresses", "book:open:" + "9" * 30),
        ("/orders", "ord:page::" + "9" * 30),
        ("/new", "use:" + str(2**64)),
    ],
)
def test_numbers_beyond_any_column_are_answered_not_raised(
    emulator, start_bot, sqlite_url, screen, forged
):
    start_bot()
    chat = emulator.create_user("Ann")
    talk = Dialogue(emulator, chat)
    prompt = talk.say(screen)  # the screen whose own handler takes this kind of button
    update_id = press_raw(chat, prompt, forged)
    emulator.wait_idle()
    assert outcome(sqlite_url, update_id) == [("handled",)]
    assert chat.callback_answers()[-1]["text"] == INACTIVE
    assert not any("Something went wrong" in (m["text"] or "") for m in chat.bot_messages())
