"""Rates through the emulator over HTTP (SPEC §3.2) with the sandbox carrier: review → rates →
choose → a quoted order; refresh and the cache; an expired quote re-priced with confirmation;
a carrier error shown with its reason and a way back."""

from __future__ import annotations

import json
import re
import sqlite3

from tests.integration.conftest import sqlite_rows
from tests.integration.test_new_label_flow import reach_review_by_pasting
from tests.support.dialogue import SENDER, Dialogue

PRICE = re.compile(r"\$(\d+)\.(\d\d)$")


def rate_buttons(message: dict) -> list[str]:
    rows = message["reply_markup"]["inline_keyboard"]
    return [b["text"] for row in rows for b in row if b["callback_data"].startswith("rate:")]


def cents(button: str) -> int:
    dollars, rest = PRICE.search(button).groups()
    return int(dollars) * 100 + int(rest)


def quotes(sqlite_url: str) -> list[tuple]:
    return sqlite_rows(
        sqlite_url, "SELECT id, rates, expires_at FROM rate_quotes ORDER BY created_at"
    )


def test_review_to_rates_to_a_quoted_order(emulator, start_bot, sqlite_url):
    start_bot(MARKUP_PERCENT="10")
    talk = Dialogue(emulator, emulator.create_user("Ann"))
    review = reach_review_by_pasting(talk)
    shown = talk.press("💲 Show rates")

    # The review message itself became the progress message, then the rates (edited in place).
    assert shown["message_id"] == review["message_id"]
    edits = [
        c
        for c in emulator.calls("editMessageText")
        if str(c["params"]["message_id"]) == str(review["message_id"])
    ]
    assert any("Fetching rates" in c["params"]["text"] for c in edits)
    text = shown["text"]
    for carrier in ("USPS", "UPS", "FedEx"):
        assert f"\n{carrier}\n" in text
    buttons = rate_buttons(shown)
    assert 1 <= len(buttons) <= 10
    assert len({b.rsplit(" · ", 2)[0] for b in buttons}) == len(buttons)  # one per service

    # Our price is the carrier's total plus 10 %, as stored with the quote.
    ((quote_id, rates, _),) = quotes(sqlite_url)
    stored = json.loads(rates)
    for rate in stored:
        assert rate["price_cents"] == rate["carrier_total_cents"] + round(
            rate["carrier_total_cents"] / 10 + 1e-9
        )
    cheapest = min(stored, key=lambda rate: rate["price_cents"])

    first = buttons[0]
    ordered = talk.press(first)
    assert "Order " in ordered["text"]
    ((order_id, status, price, rate_json, order_quote),) = sqlite_rows(
        sqlite_url, "SELECT id, status, price_cents, rate, quote_id FROM orders"
    )
    assert status == "quoted" and order_quote == quote_id
    assert price == cents(first)
    assert order_id in ordered["text"]
    assert json.loads(rate_json)["service_name"] in first
    assert cheapest["price_cents"] <= price


def test_refresh_refetches_and_a_valid_quote_is_reused(emulator, start_bot, sqlite_url):
    start_bot()
    talk = Dialogue(emulator, emulator.create_user("Ann"))
    reach_review_by_pasting(talk)
    talk.press("💲 Show rates")
    assert len(quotes(sqlite_url)) == 1
    talk.press("🔁 Refresh")
    assert len(quotes(sqlite_url)) == 2
    back = talk.press("⬅️ Back")
    assert "Review" in back["text"]
    fetches = len(
        [c for c in emulator.calls("editMessageText") if "Fetching" in c["params"]["text"]]
    )
    again = talk.press("💲 Show rates")
    assert rate_buttons(again)
    assert len(quotes(sqlite_url)) == 2
    assert fetches == len(
        [c for c in emulator.calls("editMessageText") if "Fetching" in c["params"]["text"]]
    )


def test_an_expired_quote_is_repriced_and_a_changed_price_confirmed(
    emulator, start_bot, sqlite_url
):
    start_bot()
    talk = Dialogue(emulator, emulator.create_user("Ann"))
    reach_review_by_pasting(talk)
    shown = talk.press("💲 Show rates")
    first = rate_buttons(shown)[0]
    ((quote_id, rates, _),) = quotes(sqlite_url)
    # Age the quote and pretend its price was lower when it was shown.
    stored = json.loads(rates)
    chosen = next(r for r in stored if r["service_name"] in first)
    real_price = chosen["price_cents"]
    chosen["price_cents"] -= 100
    path = sqlite_url.split("///", 1)[1]
    with sqlite3.connect(path) as connection:
        connection.execute(
            "UPDATE rate_quotes SET rates = ?, expires_at = ? WHERE id = ?",
            (json.dumps(stored), "2000-01-01 00:00:00.000000", quote_id),
        )

    question = talk.press(first)
    assert "price changed" in question["text"]
    assert f"${(real_price - 100) / 100:.2f}" in question["text"]
    assert f"${real_price / 100:.2f}" in question["text"]
    assert sqlite_rows(sqlite_url, "SELECT COUNT(*) FROM orders") == [(0,)]
    ordered = talk.press("✅ Continue at the new price")
    assert "Order " in ordered["text"]
    assert sqlite_rows(sqlite_url, "SELECT price_cents FROM orders") == [(real_price,)]
    rates_again = talk.press("⬅️ Back to rates")
    assert rate_buttons(rates_again)


def test_a_carrier_error_shows_its_reason_and_a_way_back(emulator, start_bot, sqlite_url):
    start_bot()
    talk = Dialogue(emulator, emulator.create_user("Ann"))
    talk.say("/new")
    talk.say(SENDER)
    talk.press("✅ Correct")
    talk.say("Jane Doe")
    talk.say("350 5th Ave")
    talk.press("⏭ Skip")
    talk.say("10118")
    talk.say("Brooklyn, NY")  # a real city, but not this ZIP's: the carrier refuses it
    talk.press("⏭ Skip")
    talk.say("2")
    talk.press("Small box 8 × 6 × 4 in")
    problem = talk.press("💲 Show rates")
    assert "cannot use an address" in problem["text"] and "BROOKLYN" in problem["text"].upper()
    assert sqlite_rows(sqlite_url, "SELECT COUNT(*) FROM rate_quotes") == [(0,)]
    again = talk.press("🔁 Try again")
    assert "cannot use an address" in again["text"]
    review = talk.press("✏️ Edit address")
    assert "Review" in review["text"]
    talk.press("✏️ Recipient")
    talk.press("City")
    fixed = talk.say("New York")
    assert "New York, NY 10118" in fixed["text"]
    rates = talk.press("💲 Show rates")
    assert rate_buttons(rates)
