"""Callback data comes from the client and can be forged (issue 9): amounts are worked out on
the server, and numbers no column holds are answered, never raised."""

from __future__ import annotations

import pytest

from tests.dialogue.steps import rate_buttons, reach_review_by_pasting
from tests.support.inprocess import STALE, Dialogue


async def outcome(db, update_id: int) -> list[tuple]:
    return await db.rows("SELECT outcome FROM processed_updates WHERE update_id = ?", (update_id,))


async def test_the_top_up_for_an_order_is_computed_on_the_server(emulator, bot, db):
    chat = emulator.create_user("Ann")
    talk = Dialogue(emulator, chat)
    await reach_review_by_pasting(talk)
    payment = await talk.press(rate_buttons(await talk.press("💲 Show rates"))[0])
    ((price,),) = await db.rows("SELECT price_cents FROM orders")

    for forged in ("topup:1", "topup:99999999999", "topup:-500", "topup:0"):
        chat.press_data(payment, forged)
        await emulator.wait_idle()
        assert chat.callback_answers()[-1]["text"] == STALE
    assert await db.rows("SELECT COUNT(*) FROM invoices") == [(0,)]

    button = next(b for b in talk.buttons() if b.startswith("➕ Top up $"))
    invoice = await talk.press(button)
    assert "Pay before" in invoice["text"]
    expected = max(price, 10_00)  # no balance: the price, but at least the $10 minimum
    assert await db.rows("SELECT amount_cents FROM invoices") == [(expected,)]
    assert f"${expected // 100}.{expected % 100:02d}" in button


@pytest.mark.parametrize(
    ("screen", "forged"),
    [
        ("/addresses", "book:open:" + "9" * 30),
        ("/orders", "ord:page::" + "9" * 30),
        ("/new", "use:" + str(2**64)),
    ],
)
async def test_numbers_beyond_any_column_are_answered_not_raised(emulator, bot, db, screen, forged):
    chat = emulator.create_user("Ann")
    talk = Dialogue(emulator, chat)
    prompt = await talk.say(screen)  # the screen whose own handler takes this kind of button
    update_id = chat.press_data(prompt, forged)
    await emulator.wait_idle()
    assert await outcome(db, update_id) == [("handled",)]
    assert chat.callback_answers()[-1]["text"] == STALE
    assert not any("Something went wrong" in (m["text"] or "") for m in chat.bot_messages())
