"""My orders over HTTP (SPEC §3.5): the list, an order's detail, its tracking, the label sent
again, "Repeat this shipment", and nobody else's orders."""

from __future__ import annotations

from tests.integration.conftest import sqlite_rows
from tests.integration.test_new_label_flow import reach_review_by_pasting
from tests.integration.test_purchase_flow import top_up, wait_for_document
from tests.integration.test_rates_flow import rate_buttons
from tests.support.dialogue import Dialogue


def buy_a_label(talk: Dialogue) -> None:
    top_up(talk, "$100.00")
    reach_review_by_pasting(talk)
    payment = talk.press(rate_buttons(talk.press("💲 Show rates"))[0])
    keyboard = payment["reply_markup"]["inline_keyboard"]
    talk.press(next(b["text"] for row in keyboard for b in row if "Pay" in b["text"]))
    wait_for_document(talk.chat)
    talk.emulator.wait_idle()


def test_my_orders_detail_tracking_resend_and_repeat(emulator, start_bot, sqlite_url):
    start_bot()
    chat = emulator.create_user("Ann")
    talk = Dialogue(emulator, chat)
    buy_a_label(talk)
    ((order_id, tracking),) = sqlite_rows(sqlite_url, "SELECT id, tracking_number FROM orders")

    listing = talk.say("/orders")
    assert "My orders" in listing["text"] and "(1)" in listing["text"]
    entry = next(b for b in talk.buttons() if b.startswith(order_id))
    assert "label bought" in entry
    detail = talk.press(entry)
    assert f"Tracking: {tracking}" in detail["text"] and "Jane Doe" in detail["text"]

    tracked = talk.press("🚚 Tracking")
    assert f"Tracking {tracking}" in tracked["text"] and "Label Created" in tracked["text"]
    talk.press("⬅️ Back")

    documents = len([m for m in chat.bot_messages() if m.get("document")])
    chat.press("📄 Send the label again")
    emulator.wait_idle()
    resent = [m for m in chat.bot_messages() if m.get("document")]
    assert len(resent) == documents + 1
    assert resent[-1]["document"]["file_name"] == f"{tracking}.pdf"
    assert chat.callback_answers()[-1]["text"] == "The label was sent again."

    # The resent document is the newest message; the order's prompt is still the live one.
    chat.press("🔁 Repeat this shipment", message=talk.prompt())
    emulator.wait_idle()
    review = talk.prompt()
    assert "Review" in review["text"]
    assert "John Smith" in review["text"] and "Jane Doe" in review["text"]


def test_another_users_order_is_not_found(emulator, start_bot, sqlite_url):
    start_bot()
    buy_a_label(Dialogue(emulator, emulator.create_user("Ann")))
    ((order_id,),) = sqlite_rows(sqlite_url, "SELECT id FROM orders")
    eve_chat = emulator.create_user("Eve")
    eve = Dialogue(emulator, eve_chat)
    listing = eve.say("/orders")
    assert "No orders yet" in listing["text"]
    for forged in (f"ord:open:{order_id}:0", f"ord:resend:{order_id}:0"):
        emulator.http.post(
            f"/chats/{eve_chat.user_id}/press",
            json={"message_id": listing["message_id"], "callback_data": forged},
        ).raise_for_status()
        emulator.wait_idle()
    assert not [m for m in eve_chat.bot_messages() if m.get("document")]
    assert all(order_id not in (m["text"] or "") for m in eve_chat.bot_messages())


def test_a_refund_puts_the_price_back_on_the_balance(emulator, start_bot, sqlite_url):
    start_bot()
    talk = Dialogue(emulator, emulator.create_user("Ann"))
    buy_a_label(talk)
    ((order_id, price),) = sqlite_rows(sqlite_url, "SELECT id, price_cents FROM orders")
    talk.say("/orders")
    detail = talk.press(next(b for b in talk.buttons() if b.startswith(order_id)))
    assert "Refundable until" in detail["text"]
    confirm = talk.press("↩️ Request refund")
    assert f"Void the label of order {order_id} and put ${price / 100:.2f} back" in confirm["text"]
    assert "Order" in talk.press("⬅️ No, keep the label")["text"]
    assert sqlite_rows(sqlite_url, "SELECT COUNT(*) FROM refunds") == [(0,)]
    talk.press("↩️ Request refund")
    refunded = talk.press("↩️ Yes, void the label")
    assert f"Refund approved: ${price / 100:.2f} is back on your balance" in refunded["text"]
    assert "refunded" in refunded["text"]
    assert "↩️ Request refund" not in talk.buttons()
    assert sqlite_rows(sqlite_url, "SELECT status FROM orders") == [("refunded",)]
    ((refund_id, status),) = sqlite_rows(sqlite_url, "SELECT id, status FROM refunds")
    assert status == "approved"
    assert sqlite_rows(
        sqlite_url, "SELECT kind, amount_cents, idempotency_key FROM ledger_entries ORDER BY id"
    )[-1] == ("refund", price, f"refund:{refund_id}")
    assert "Balance: $100.00" in talk.say("/balance")["text"]
    assert "Refundable until" not in refunded["text"]

    # The menu's Refunds screen lists the request and leads to its order.
    talk.say("/start")
    refunds = talk.press("↩️ Refunds")
    assert f"{order_id} · approved, ${price / 100:.2f} back on the balance" in refunds["text"]
    assert f"Order {order_id}" in talk.press(f"Order {order_id}")["text"]
    assert "Refunds, newest first" in talk.press("⬅️ Back")["text"]


def test_a_refund_window_that_closed_while_the_order_was_shown_is_not_offered_to_confirm(
    emulator, start_bot, sqlite_url
):
    start_bot()
    talk = Dialogue(emulator, emulator.create_user("Ann"))
    buy_a_label(talk)
    ((order_id,),) = sqlite_rows(sqlite_url, "SELECT id FROM orders")
    talk.say("/orders")
    talk.press(next(b for b in talk.buttons() if b.startswith(order_id)))
    sqlite_rows(sqlite_url, "UPDATE orders SET refund_deadline = '2026-01-01 00:00:00.000000'")
    closed = talk.press("↩️ Request refund")
    assert "The refund window for this label has closed." in closed["text"]
    assert "↩️ Yes, void the label" not in talk.buttons()
    assert sqlite_rows(sqlite_url, "SELECT COUNT(*) FROM refunds") == [(0,)]
    assert sqlite_rows(sqlite_url, "SELECT status FROM orders") == [("purchased",)]
