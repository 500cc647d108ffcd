"""My orders (SPEC §3.5): the list, an order's detail, its tracking, the label sent again,
"Repeat this shipment", refunds, and nobody else's orders."""

from __future__ import annotations

from tests.dialogue.steps import buy_a_label
from tests.support.inprocess import Dialogue


async def test_my_orders_detail_tracking_resend_and_repeat(emulator, bot, db):
    chat = emulator.create_user("Ann")
    talk = Dialogue(emulator, chat)
    await buy_a_label(talk)
    ((order_id, tracking),) = await db.rows("SELECT id, tracking_number FROM orders")

    listing = await talk.say("/orders")
    assert "My orders" in listing["text"] and "(1)" in listing["text"]
    entry = next(b for b in talk.buttons() if b.startswith(order_id))
    assert "label bought" in entry
    detail = await talk.press(entry)
    assert f"Tracking: {tracking}" in detail["text"] and "Jane Doe" in detail["text"]

    tracked = await talk.press("🚚 Tracking")
    assert f"Tracking {tracking}" in tracked["text"] and "Label Created" in tracked["text"]
    await talk.press("⬅️ Back")

    documents = len(chat.documents())
    chat.press("📄 Send the label again")
    await emulator.wait_idle()
    resent = chat.documents()
    assert len(resent) == documents + 1
    assert resent[-1]["document"]["file_name"] == f"{tracking}.pdf"
    assert chat.callback_answers()[-1]["text"] == "The label was sent again."

    # The resent document is the newest message; the order's prompt is still the live one.
    chat.press("🔁 Repeat this shipment", message=talk.prompt())
    await emulator.wait_idle()
    review = talk.prompt()
    assert "Review" in review["text"]
    assert "John Smith" in review["text"] and "Jane Doe" in review["text"]


async def test_another_users_order_is_not_found(emulator, bot, db):
    await buy_a_label(Dialogue(emulator, emulator.create_user("Ann")))
    ((order_id,),) = await db.rows("SELECT id FROM orders")
    eve_chat = emulator.create_user("Eve")
    eve = Dialogue(emulator, eve_chat)
    listing = await eve.say("/orders")
    assert "No orders yet" in listing["text"]
    for forged in (f"ord:open:{order_id}:0", f"ord:resend:{order_id}:0"):
        eve_chat.press_data(listing, forged)
        await emulator.wait_idle()
    assert not eve_chat.documents()
    assert all(order_id not in (m["text"] or "") for m in eve_chat.bot_messages())


async def test_a_refund_puts_the_price_back_on_the_balance(emulator, bot, db):
    talk = Dialogue(emulator, emulator.create_user("Ann"))
    await buy_a_label(talk)
    ((order_id, price),) = await db.rows("SELECT id, price_cents FROM orders")
    await talk.say("/orders")
    detail = await talk.press(next(b for b in talk.buttons() if b.startswith(order_id)))
    assert "Refundable until" in detail["text"]
    confirm = await talk.press("↩️ Request refund")
    assert f"Void the label of order {order_id} and put ${price / 100:.2f} back" in confirm["text"]
    assert "Order" in (await talk.press("⬅️ No, keep the label"))["text"]
    assert await db.rows("SELECT COUNT(*) FROM refunds") == [(0,)]
    await talk.press("↩️ Request refund")
    refunded = await talk.press("↩️ Yes, void the label")
    assert f"Refund approved: ${price / 100:.2f} is back on your balance" in refunded["text"]
    assert "refunded" in refunded["text"]
    assert "↩️ Request refund" not in talk.buttons()
    assert await db.rows("SELECT status FROM orders") == [("refunded",)]
    ((refund_id, status),) = await db.rows("SELECT id, status FROM refunds")
    assert status == "approved"
    assert (
        await db.rows("SELECT kind, amount_cents, idempotency_key FROM ledger_entries ORDER BY id")
    )[-1] == ("refund", price, f"refund:{refund_id}")
    assert "Balance: $100.00" in (await talk.say("/balance"))["text"]
    assert "Refundable until" not in refunded["text"]

    # The menu's Refunds screen lists the request and leads to its order.
    await talk.say("/start")
    refunds = await talk.press("↩️ Refunds")
    assert f"{order_id} · approved, ${price / 100:.2f} back on the balance" in refunds["text"]
    assert f"Order {order_id}" in (await talk.press(f"Order {order_id}"))["text"]
    assert "Refunds, newest first" in (await talk.press("⬅️ Back"))["text"]


async def test_a_refund_window_that_closed_while_the_order_was_shown_is_not_offered_to_confirm(
    emulator, bot, db
):
    talk = Dialogue(emulator, emulator.create_user("Ann"))
    await buy_a_label(talk)
    ((order_id,),) = await db.rows("SELECT id FROM orders")
    await talk.say("/orders")
    await talk.press(next(b for b in talk.buttons() if b.startswith(order_id)))
    await db.rows("UPDATE orders SET refund_deadline = '2026-01-01 00:00:00.000000'")
    closed = await talk.press("↩️ Request refund")
    assert "The refund window for this label has closed." in closed["text"]
    assert "↩️ Yes, void the label" not in talk.buttons()
    assert await db.rows("SELECT COUNT(*) FROM refunds") == [(0,)]
    assert await db.rows("SELECT status FROM orders") == [("purchased",)]
