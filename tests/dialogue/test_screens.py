"""Screens that explain themselves (issue 11 §3): dates with the month's name in the user's
language, rates shown once each, payment, balance, orders, the address book and help."""

from __future__ import annotations

import json
import re
from datetime import date

from tests.dialogue.steps import (
    RECIPIENT,
    SENDER,
    buy_a_label,
    pay_the_invoice,
    rate_buttons,
    reach_review_by_pasting,
    top_up,
)
from tests.support.dialogue import cents
from tests.support.inprocess import Dialogue

NUMERIC_DATE = re.compile(r"(?<![\d$.,])\d{1,2}\.\d{1,2}(?!\d)")
EN_MOMENT = re.compile(r"[A-Z][a-z]{2} \d{1,2}, 20\d\d, \d\d:\d\d UTC")
RU_MOMENT = re.compile(r"\d{1,2} [а-я]{3,4}\.? 20\d\d\s?г\., \d\d:\d\d UTC")


async def test_dates_name_the_month_in_the_users_language(emulator, bot):
    for name, language, moment in (("Ann", "en", EN_MOMENT), ("Ivan", "ru", RU_MOMENT)):
        talk = Dialogue(emulator, emulator.create_user(name, language_code=language))
        await talk.say("/balance")
        await talk.press(talk.buttons()[0])  # Top up
        invoice = await talk.press("$25.00")
        assert moment.search(invoice["text"]), invoice["text"]
        await pay_the_invoice(invoice)
        await talk.chat.wait_for_text("$25.00")
        await emulator.wait_idle()
        balance = await talk.say("/balance")
        assert moment.search(balance["text"]), balance["text"]
        assert not NUMERIC_DATE.search(balance["text"]), balance["text"]


async def test_rates_are_buttons_only_price_first_with_the_cheapest_fastest_and_arrival(
    emulator, bot, db
):
    talk = Dialogue(emulator, emulator.create_user("Ann"))
    await reach_review_by_pasting(talk)
    shown = await talk.press("💲 Show rates")
    buttons = rate_buttons(shown)
    ((stored,),) = await db.rows("SELECT rates FROM rate_quotes")
    rates = json.loads(stored)
    assert len(buttons) == len(rates)
    for rate in rates:  # each service once: on its button, not again in a list above
        assert rate["service_name"] not in shown["text"]
        (own,) = [b for b in buttons if b.split(" · ")[1] == rate["service_name"]]
        assert own.startswith(f"${rate['price_cents'] // 100}.{rate['price_cents'] % 100:02d} · ")
        arrival = date.fromisoformat(rate["estimated_delivery"])
        assert f"by {arrival:%b} {arrival.day}, {arrival.year}" in own
    assert [cents(b) for b in buttons] == sorted(cents(b) for b in buttons)
    cheapest = [b for b in buttons if "Cheapest" in b]
    fastest = [b for b in buttons if "Fastest" in b]
    assert cheapest == [buttons[0]]
    quickest = min(rate["delivery_days"] for rate in rates)
    assert len(fastest) == 1
    (fastest_rate,) = [r for r in rates if r["service_name"] == fastest[0].split(" · ")[1]]
    assert fastest_rate["delivery_days"] == quickest
    assert fastest_rate["price_cents"] == min(
        r["price_cents"] for r in rates if r["delivery_days"] == quickest
    )


async def test_the_payment_screen_names_the_shipment_and_explains_the_top_up(emulator, bot):
    talk = Dialogue(emulator, emulator.create_user("Ann"))
    await top_up(talk, "$10.00")
    await reach_review_by_pasting(talk)
    buttons = rate_buttons(await talk.press("💲 Show rates"))
    near = next(b for b in buttons if 10_00 < cents(b) < 20_00)
    payment = await talk.press(near)
    text = payment["text"]
    assert "John Smith, San Francisco, CA 94117 → Jane Doe, New York, NY 10118" in text
    assert "Parcel: 2 lb 8 oz, 12 × 10 × 8 in" in text
    assert f"Service: {near.split(' · ')[1]}" in text
    assert f"Price: {usd(cents(near))}" in text and "Your balance: $10.00" in text
    # Short by less than the smallest top-up: the button asks the minimum, the text says why.
    assert talk.buttons()[0] == "➕ Top up $10.00"
    short = cents(near) - 10_00
    assert f"Your balance is {usd(short)} short. The smallest top-up is $10.00" in text
    assert f"top up $10.00: the label is paid and {usd(10_00 - short)} stays" in text

    await talk.press("⬅️ Back to rates")
    dear = next(b for b in buttons if cents(b) > 20_00)
    payment = await talk.press(dear)
    amount = usd(cents(dear) - 10_00)
    assert talk.buttons()[0] == f"➕ Top up {amount}"
    assert f"Top up {amount} to pay for this label." in payment["text"]
    assert "smallest top-up" not in payment["text"]


def usd(amount: int) -> str:
    return f"${amount // 100}.{amount % 100:02d}"


async def test_choosing_another_rate_replaces_the_drafts_unpaid_order(emulator, bot, db):
    talk = Dialogue(emulator, emulator.create_user("Ann"))
    await reach_review_by_pasting(talk)
    buttons = rate_buttons(await talk.press("💲 Show rates"))
    await talk.press(buttons[0])
    ((first_id,),) = await db.rows("SELECT id FROM orders")
    await talk.press("⬅️ Back to rates")
    second = await talk.press(buttons[1])
    assert await db.rows("SELECT id, status, price_cents FROM orders") == [
        (first_id, "quoted", cents(buttons[1]))
    ]
    assert f"Service: {buttons[1].split(' · ')[1]}" in second["text"]

    # A new draft's rate is a new order: the first one stays, unpaid, in My orders.
    await talk.say("/new")
    await talk.press("🆕 Start a new label")
    await talk.say(SENDER)
    await talk.press("✅ Correct")
    await talk.say(RECIPIENT)
    await talk.press("✅ Correct")
    await talk.say("1 lb")
    await talk.press("Small box 8 × 6 × 4 in")
    await talk.press(rate_buttons(await talk.press("💲 Show rates"))[0])
    assert len(await db.rows("SELECT id FROM orders WHERE status = 'quoted'")) == 2


async def test_an_unpaid_orders_detail_offers_pay_requoted_when_stale_and_delete(emulator, bot, db):
    talk = Dialogue(emulator, emulator.create_user("Ann"))
    await reach_review_by_pasting(talk)
    await talk.press(rate_buttons(await talk.press("💲 Show rates"))[0])
    ((order_id, price, rate),) = await db.rows("SELECT id, price_cents, rate FROM orders")
    # The quote expired, and its price was a dollar less than the carrier's now.
    shown = json.loads(rate)
    shown["price_cents"] -= 100
    await db.rows(
        "UPDATE orders SET quote_expires_at = ?, price_cents = ?, rate = ?",
        ("2000-01-01 00:00:00.000000", price - 100, json.dumps(shown)),
    )
    await talk.say("/orders")
    detail = await talk.press(next(b for b in talk.buttons() if b.startswith(order_id)))
    assert "awaiting payment" in detail["text"]
    assert {"💳 Pay", "🗑 Delete"} <= set(talk.buttons())

    payment = await talk.press("💳 Pay")
    assert f"price was checked again: {usd(price - 100)} → {usd(price)}" in payment["text"]
    assert f"Price: {usd(price)}" in payment["text"]
    ((now_price, expires),) = await db.rows("SELECT price_cents, quote_expires_at FROM orders")
    assert now_price == price and expires > "2001"
    assert talk.buttons()[0].startswith("➕ Top up")

    back = await talk.press("⬅️ Back to the order")
    assert f"Order {order_id}" in back["text"] and "🗑 Delete" in talk.buttons()
    listing = await talk.press("🗑 Delete")
    assert f"Order {order_id} deleted" in listing["text"] and "No orders yet" in listing["text"]
    assert await db.rows("SELECT COUNT(*) FROM orders") == [(0,)]


async def test_the_balance_shows_one_line_per_purchase(emulator, bot, db):
    talk = Dialogue(emulator, emulator.create_user("Ann"))
    await buy_a_label(talk)
    ((order_id, price),) = await db.rows("SELECT id, price_cents FROM orders")
    text = (await talk.say("/balance"))["text"]
    operations = text.split("Last operations:\n")[1].split("\n")
    assert [line.split(" UTC · ")[1] for line in operations] == [
        f"Label {order_id} · -{usd(price)}",
        "Top-up · +$100.00",
    ]
