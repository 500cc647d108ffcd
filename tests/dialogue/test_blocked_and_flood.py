"""Blocked users and flood control (SPEC §3.7): turned away with a notice before any handler,
every update still recorded as processed (G1), the conversation left where it was; a blocked
user's payment is still credited, and a Pay press inside a flood still buys its label."""

from __future__ import annotations

from shipbot.bot.account_news import tell_blocked
from shipbot.services import admin_users
from shipbot.services.audit import COMMAND_LINE
from tests.dialogue.steps import (
    SENDER,
    fsm,
    open_invoice,
    pay_the_invoice,
    rate_buttons,
    reach_review_by_pasting,
    top_up,
)
from tests.support.dialogue import pay_button
from tests.support.inprocess import Dialogue

BLOCKED = "Your account has been blocked"
TOO_FAST = "You are sending too fast"


async def processed(db, chat_id: int) -> int:
    rows = await db.rows("SELECT COUNT(*) FROM processed_updates WHERE chat_id = ?", (chat_id,))
    return rows[0][0]


async def test_a_blocked_user_gets_a_notice_per_update_and_nothing_else_runs(emulator, bot, db):
    chat = emulator.create_user("Ann")
    talk = Dialogue(emulator, chat)
    await talk.say("/new")
    confirm = await talk.say(SENDER)
    before = await fsm(db, chat.user_id)
    await admin_users.set_blocked(bot.runtime.database, COMMAND_LINE, chat.user_id, True)
    seen = await processed(db, chat.user_id)

    notice = await talk.say("/start")
    assert BLOCKED in notice["text"] and "@shipbot_support" in notice["text"]
    assert not notice.get("reply_markup")
    shown = len(chat.bot_messages())
    chat.press("✅ Correct", message=confirm)
    await emulator.wait_idle()
    assert len(chat.bot_messages()) == shown + 1 and BLOCKED in chat.last_bot_message()["text"]
    assert chat.callback_answers()[-1].get("text") in (None, "")  # the spinner stopped
    assert await fsm(db, chat.user_id) == before
    assert await processed(db, chat.user_id) == seen + 2
    assert await db.rows("SELECT COUNT(*) FROM orders") == [(0,)]

    assert await admin_users.set_blocked(bot.runtime.database, COMMAND_LINE, chat.user_id, False)
    assert await tell_blocked(bot.runtime, chat.user_id, False)
    assert "unblocked" in chat.last_bot_message()["text"]
    chat.press("✅ Correct", message=confirm)  # the step they were at when blocked
    await emulator.wait_idle()
    edited = next(m for m in chat.bot_messages() if m["message_id"] == confirm["message_id"])
    assert "Recipient" in edited["text"]  # the confirmation, edited into the next step
    assert (await fsm(db, chat.user_id))[0] != before[0]


async def test_a_blocked_users_payment_is_still_credited(emulator, bot, db):
    chat = emulator.create_user("Ann")
    talk = Dialogue(emulator, chat)
    invoice = await open_invoice(talk, "$25.00")
    await admin_users.set_blocked(bot.runtime.database, COMMAND_LINE, chat.user_id, True)
    await pay_the_invoice(invoice)  # the payment provider's callback, not a Telegram update
    await chat.wait_for_text("added to your balance")
    assert await db.rows("SELECT kind, amount_cents FROM ledger_entries") == [("top_up", 2500)]


async def test_a_flood_is_dropped_with_one_notice_per_burst(emulator, start_bot, db):
    await start_bot(FLOOD_LIMIT="3", FLOOD_WINDOW_SECONDS="600")
    chat = emulator.create_user("Ann")
    talk = Dialogue(emulator, chat)
    for _ in range(3):
        await talk.say("/start")
    shown = len(chat.bot_messages())
    for _ in range(5):
        chat.send("/start")
    await emulator.wait_idle()
    new = chat.bot_messages()[shown:]
    assert [m["text"] for m in new] == [new[0]["text"]] and TOO_FAST in new[0]["text"]
    assert await processed(db, chat.user_id) == 8
    assert await db.rows("SELECT outcome FROM processed_updates") == [("handled",)] * 8

    # The window moves on (the records age): the next update is handled, a new burst told again.
    await db.rows("UPDATE processed_updates SET processed_at = '2000-01-01 00:00:00.000000'")
    menu = await talk.say("/start")
    assert TOO_FAST not in menu["text"] and menu.get("reply_markup")
    assert await db.rows("SELECT COUNT(*) FROM flood_notices") == [(0,)]
    for _ in range(4):
        chat.send("/start")
    await emulator.wait_idle()
    told = [m for m in chat.bot_messages() if TOO_FAST in m["text"]]
    assert len(told) == 2


async def test_a_pay_press_inside_a_flood_still_buys_one_label(emulator, start_bot, db):
    await start_bot(FLOOD_LIMIT="20", FLOOD_WINDOW_SECONDS="600")
    chat = emulator.create_user("Ann")
    talk = Dialogue(emulator, chat)
    await top_up(talk, "$100.00")
    await reach_review_by_pasting(talk)
    await talk.press(rate_buttons(await talk.press("💲 Show rates"))[0])
    room = 20 - await processed(db, chat.user_id)
    assert room > 0
    for _ in range(room + 5):
        chat.send("hello")
    await emulator.wait_idle()
    assert TOO_FAST in chat.last_bot_message()["text"]
    payment = talk.prompt()
    chat.press(pay_button(payment), message=payment)
    await chat.wait_for_document()
    await emulator.wait_idle()
    assert len(chat.documents()) == 1
    assert await db.rows("SELECT status FROM orders") == [("purchased",)]
    assert await processed(db, chat.user_id) == 20 + 5 + 1
