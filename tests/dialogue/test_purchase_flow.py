"""Buying a label (SPEC §3.3): top up on the sandbox payment page, choose a rate, pay from the
balance — however many times Pay is pressed, one label, one charge, one PDF named by its
tracking number; the operator is told. (On two PostgreSQL replicas, and across crashes and
restarts: tests/integration/test_purchase_flow.py.)"""

from __future__ import annotations

from tests.dialogue.steps import (
    pay_button,
    pay_the_invoice,
    rate_buttons,
    reach_review_by_pasting,
    top_up,
)
from tests.support.dialogue import button_texts
from tests.support.inprocess import STALE, Dialogue

LEDGER = "SELECT kind, amount_cents FROM ledger_entries ORDER BY id"


async def test_pay_from_balance_buys_one_label_however_often_pay_is_pressed(
    emulator, start_bot, db
):
    operator = emulator.create_user("Operator")
    await start_bot(ADMIN_CHAT_ID=str(operator.user_id))
    chat = emulator.create_user("Ann")
    talk = Dialogue(emulator, chat)
    await top_up(talk, "$100.00")
    await reach_review_by_pasting(talk)
    rates = await talk.press("💲 Show rates")
    payment = await talk.press(rate_buttons(rates)[0])
    assert "Your balance: $100.00" in payment["text"]
    keyboard = payment["reply_markup"]["inline_keyboard"]
    pay = next(b for row in keyboard for b in row if "Pay" in b["text"])

    for _ in range(20):  # a user hammering the button: 20 presses of the same Pay
        chat.press(pay["text"], message=payment)
    await chat.wait_for_document()
    await emulator.wait_idle()
    documents = chat.documents()
    assert len(documents) == 1
    ((order_id, status, tracking, price),) = await db.rows(
        "SELECT id, status, tracking_number, price_cents FROM orders"
    )
    assert status == "purchased"
    label = documents[0]
    assert label["document"]["file_name"] == f"{tracking}.pdf"
    assert tracking in label["caption"] and order_id in label["caption"]
    assert await db.rows(LEDGER) == [
        ("top_up", 10000),
        ("hold", -price),
        ("hold_release", price),
        ("label_charge", -price),
    ]
    answers = [a.get("text") for a in chat.callback_answers()][-19:]
    assert all(text == STALE for text in answers)
    assert "✅ Label for order" in (await chat.wait_for_text("bought"))["text"]
    told = [m["text"] for m in operator.bot_messages() if "Label bought" in (m["text"] or "")]
    assert len(told) == 1 and order_id in told[0]


async def test_a_short_balance_offers_the_top_up(emulator, bot, db):
    talk = Dialogue(emulator, emulator.create_user("Ann"))
    await reach_review_by_pasting(talk)
    rates = await talk.press("💲 Show rates")
    payment = await talk.press(rate_buttons(rates)[0])
    assert "Top up" in payment["text"]
    buttons = button_texts(payment)
    assert any(text.startswith("➕ Top up $") for text in buttons)
    invoice = await talk.press(next(text for text in buttons if text.startswith("➕ Top up $")))
    assert "Pay before" in invoice["text"]
    assert await db.rows("SELECT COUNT(*) FROM orders WHERE status = 'quoted'") == [(1,)]


async def top_up_for_an_order(talk: Dialogue) -> tuple[dict, dict]:
    """With no balance: the order's payment screen, then the invoice for its shortfall."""
    await reach_review_by_pasting(talk)
    payment = await talk.press(rate_buttons(await talk.press("💲 Show rates"))[0])
    invoice = await talk.press(next(b for b in talk.buttons() if b.startswith("➕ Top up $")))
    return payment, invoice


async def test_a_top_up_for_an_order_brings_the_user_back_to_pay_for_it(emulator, bot, db):
    chat = emulator.create_user("Ann")
    talk = Dialogue(emulator, chat)
    payment, invoice = await top_up_for_an_order(talk)
    await pay_the_invoice(invoice)

    # The invoice message itself becomes the order's payment screen, with the news on top.
    back = await chat.wait_for_text("added to your balance")
    await emulator.wait_idle()
    assert back["message_id"] == invoice["message_id"]
    assert payment["text"].split("\n")[0] in back["text"]
    assert len(chat.live_keyboards()) == 1
    ((order_id,),) = await db.rows("SELECT order_id FROM invoices")
    assert await db.rows("SELECT id FROM orders") == [(order_id,)]

    await talk.press(pay_button(back))
    await chat.wait_for_document()
    assert await db.rows("SELECT status FROM orders") == [("purchased",)]


async def test_a_top_up_paid_after_going_back_to_the_order_updates_its_payment_screen(
    emulator, bot
):
    chat = emulator.create_user("Ann")
    talk = Dialogue(emulator, chat)
    payment, invoice = await top_up_for_an_order(talk)
    again = await talk.press("⬅️ Back")  # the invoice message becomes the payment screen again
    assert again["message_id"] == invoice["message_id"] and again["text"] == payment["text"]
    await pay_the_invoice(invoice)

    back = await chat.wait_for_text("added to your balance")
    await emulator.wait_idle()
    assert back["message_id"] == invoice["message_id"]
    assert [m["message_id"] for m in chat.live_keyboards()] == [invoice["message_id"]]
    await talk.press(pay_button(back))
    await chat.wait_for_document()


async def test_a_top_up_paid_after_the_user_moved_on_only_brings_the_news(emulator, bot, db):
    chat = emulator.create_user("Ann")
    talk = Dialogue(emulator, chat)
    _, invoice = await top_up_for_an_order(talk)
    balance = await talk.say("/balance")
    await pay_the_invoice(invoice)

    news = await chat.wait_for_text("added to your balance")
    await emulator.wait_idle()
    assert news["message_id"] not in (invoice["message_id"], balance["message_id"])
    assert not news.get("reply_markup")
    assert [m["message_id"] for m in chat.live_keyboards()] == [balance["message_id"]]
    assert await db.rows("SELECT status FROM orders") == [("quoted",)]
