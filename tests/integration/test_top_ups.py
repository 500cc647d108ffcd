"""Top-ups over HTTP (SPEC §3.4, §6.2, G5, G6): the sandbox payment page, signed callbacks
credited once per track_id however often and concurrently they arrive, signed reports that
cannot be credited held for review, and everything else refused or ignored."""

from __future__ import annotations

import re
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.integration.conftest import sqlite_rows
from tests.support.dialogue import Dialogue
from tests.support.payments import callback_body, signature

CALLBACK = "/api/payments/oxapay/callback"
LEDGER = "SELECT kind, amount_cents, idempotency_key FROM ledger_entries ORDER BY id"


def open_invoice(talk: Dialogue, amount: str = "$25.00") -> dict:
    talk.say("/balance")
    talk.press("➕ Top up")
    invoice = talk.press(amount)
    assert "Pay before" in invoice["text"]
    return invoice


def pay_url(invoice: dict) -> str:
    return next(
        button["url"]
        for row in invoice["reply_markup"]["inline_keyboard"]
        for button in row
        if button.get("url")
    )


def track_id(sqlite_url: str) -> str:
    return sqlite_rows(sqlite_url, "SELECT track_id FROM invoices")[0][0]


def post_callback(server_url: str, body: bytes, hmac_header: str | None) -> httpx.Response:
    headers = {"Content-Type": "application/json"}
    if hmac_header is not None:
        headers["HMAC"] = hmac_header
    return httpx.post(server_url + CALLBACK, content=body, headers=headers, timeout=30)


def test_a_top_up_through_the_sandbox_payment_page(emulator, start_bot, sqlite_url):
    start_bot()
    talk = Dialogue(emulator, emulator.create_user("Ann"))
    invoice = open_invoice(talk)
    url = pay_url(invoice)
    with httpx.Client(timeout=30, follow_redirects=True) as browser:
        page = browser.get(url)
        assert page.status_code == 200 and "$25.00" in page.text
        paid = browser.post(url + "/pay")
        assert paid.status_code == 200
    # The invoice, still the live prompt, shows the news and its new status, with its buttons.
    news = talk.chat.wait_for_text("added to your balance")
    emulator.wait_idle()
    assert news["message_id"] == invoice["message_id"]
    assert "$25.00 added to your balance. Balance: $25.00." in news["text"]
    assert "paid" in news["text"]
    assert [m["message_id"] for m in talk.chat.live_keyboards()] == [invoice["message_id"]]
    assert talk.buttons() == ["⬅️ Back", "🏠 Main menu"]
    assert sqlite_rows(sqlite_url, LEDGER) == [("top_up", 2500, f"top_up:{track_id(sqlite_url)}")]
    balance = talk.say("/balance")
    assert "Balance: $25.00" in balance["text"] and "Top-up · +$25.00" in balance["text"]
    assert "💰 Balance ($25.00)" in str(talk.say("/start")["reply_markup"])


def test_news_a_crash_kept_from_the_user_is_told_after_the_restart_once(
    emulator, start_bot, sqlite_url
):
    server = start_bot(INVOICE_POLL_SECONDS="1")
    talk = Dialogue(emulator, emulator.create_user("Ann"))
    invoice = open_invoice(talk)
    talk.say("/start")  # the user moved on: the news will come as a message of its own
    with httpx.Client(timeout=30, follow_redirects=True) as browser:
        assert browser.post(pay_url(invoice) + "/pay").status_code == 200
    talk.chat.wait_for_text("added to your balance")
    server.stop()
    # As if the process had died after the credit's commit and before telling the user.
    sqlite_rows(sqlite_url, "UPDATE invoices SET told_status = 'waiting', told_cents = 0")

    start_bot(INVOICE_POLL_SECONDS="1")
    deadline = time.monotonic() + 30
    while sqlite_rows(sqlite_url, "SELECT told_status, told_cents FROM invoices") != [
        ("paid", 2500)
    ]:
        assert time.monotonic() < deadline, "the poller did not tell the owed news"
        time.sleep(0.2)
    time.sleep(2.5)  # two more poll rounds: nothing is told twice
    emulator.wait_idle()
    news = [m for m in talk.chat.bot_messages() if "added to your balance" in (m["text"] or "")]
    assert len(news) == 2  # the first told before the "crash", the second after it
    assert "$25.00 added to your balance. Balance: $25.00." in news[-1]["text"]
    assert len(talk.chat.live_keyboards()) == 1
    assert sqlite_rows(sqlite_url, LEDGER) == [("top_up", 2500, f"top_up:{track_id(sqlite_url)}")]


def test_one_callback_delivered_five_times_concurrently_credits_once(
    emulator, start_bot, sqlite_url
):
    server = start_bot()
    talk = Dialogue(emulator, emulator.create_user("Ann"))
    open_invoice(talk, "$50.00")
    body = callback_body(track_id(sqlite_url), "Paid", 5000, 5000)
    with ThreadPoolExecutor(5) as pool:
        answers = list(
            pool.map(lambda _: post_callback(server.url, body, signature(body)), range(5))
        )
    assert [(a.status_code, a.text) for a in answers] == [(200, "ok")] * 5
    emulator.wait_idle()
    assert sqlite_rows(sqlite_url, LEDGER) == [("top_up", 5000, f"top_up:{track_id(sqlite_url)}")]
    news = [m for m in talk.chat.bot_messages() if "added to your balance" in (m["text"] or "")]
    assert len(news) == 1


@pytest.mark.parametrize("header", [None, "", "00" * 64, "not hex", "signed-with-another-key"])
def test_a_callback_without_a_valid_hmac_is_refused_and_changes_nothing(
    emulator, start_bot, sqlite_url, header
):
    server = start_bot()
    talk = Dialogue(emulator, emulator.create_user("Ann"))
    open_invoice(talk)
    body = callback_body(track_id(sqlite_url), "Paid", 2500, 2500)
    if header == "signed-with-another-key":
        header = signature(body, key="another-merchant-key")
    answer = post_callback(server.url, body, header)
    assert answer.status_code == 401
    tampered = body.replace(b'"amount": 25.0', b'"amount": 2500.0')
    assert post_callback(server.url, tampered, signature(body)).status_code == 401
    assert sqlite_rows(sqlite_url, LEDGER) == []
    assert sqlite_rows(sqlite_url, "SELECT status FROM invoices") == [("waiting",)]


def test_a_callback_for_an_unknown_track_id_credits_nothing(emulator, start_bot, sqlite_url):
    server = start_bot()
    body = callback_body("unknown-track-0001", "Paid", 2500, 2500)
    answer = post_callback(server.url, body, signature(body))
    assert (answer.status_code, answer.text) == (200, "ok")
    assert sqlite_rows(sqlite_url, LEDGER) == []
    assert "unknown track_id unknown-track-0001" in server.log()


def test_underpaid_then_completed_and_expired_invoices(emulator, start_bot, sqlite_url):
    server = start_bot()
    talk = Dialogue(emulator, emulator.create_user("Ann"))
    invoice = open_invoice(talk)
    track = track_id(sqlite_url)
    under = callback_body(track, "Underpaid", 2500, 1250)
    assert post_callback(server.url, under, signature(under)).status_code == 200
    talk.chat.wait_for_text("$12.50 added to your balance")
    emulator.wait_idle()
    edited = next(m for m in talk.chat.bot_messages() if m["message_id"] == invoice["message_id"])
    assert "Received $12.50 of $25.00" in edited["text"]
    assert pay_url(edited) == pay_url(invoice)  # the rest can still be paid
    # The payer completes the invoice: only the rest is credited, once.
    paid = callback_body(track, "Paid", 2500, 2500)
    for _ in range(2):
        assert post_callback(server.url, paid, signature(paid)).status_code == 200
    talk.chat.wait_for_text("$12.50 added to your balance. Balance: $25.00.")
    assert [row[1] for row in sqlite_rows(sqlite_url, LEDGER)] == [1250, 1250]

    second = open_invoice(talk, "$10.00")
    expired = callback_body(track_id_of(sqlite_url, second), "Expired", 1000, 0)
    assert post_callback(server.url, expired, signature(expired)).status_code == 200
    emulator.wait_idle()
    edited = next(m for m in talk.chat.bot_messages() if m["message_id"] == second["message_id"])
    assert "expired" in edited["text"] and talk.buttons() == ["⬅️ Back", "🏠 Main menu"]
    assert len(sqlite_rows(sqlite_url, LEDGER)) == 2


def test_signed_reports_of_too_much_or_another_currency_are_held_for_review(
    emulator, start_bot, sqlite_url
):
    operator = emulator.create_user("Operator")
    server = start_bot(ADMIN_CHAT_ID=str(operator.user_id))
    talk = Dialogue(emulator, emulator.create_user("Ann"))
    open_invoice(talk)
    track = track_id(sqlite_url)
    huge = callback_body(track, "Paid", 2500, 100_000_000_000).replace(b"1000000000.0", b"1e9")
    assert b'"value": 1e9' in huge
    for _ in range(2):  # readable, so answered ok: Oxapay's retries would say the same
        answer = post_callback(server.url, huge, signature(huge))
        assert (answer.status_code, answer.text) == (200, "ok")
    # The invoice's $25 and its $1 of tolerance are credited, once; the rest is held.
    talk.chat.wait_for_text("$26.00 added to your balance. Balance: $26.00.")
    assert sqlite_rows(sqlite_url, LEDGER) == [("top_up", 2600, f"top_up:{track}")]
    ((held, reason),) = sqlite_rows(sqlite_url, "SELECT held_cents, review_reason FROM invoices")
    assert held == 100_000_000_000 - 2600
    assert reason.startswith("received $1,000,000,000.00 on an invoice of $25.00")

    second = open_invoice(talk, "$10.00")
    second_track = track_id_of(sqlite_url, second)
    euros = callback_body(second_track, "Paid", 1000, 1000).replace(
        b'"currency": "USD"', b'"currency": "EUR"'
    )
    answer = post_callback(server.url, euros, signature(euros))
    assert (answer.status_code, answer.text) == (200, "ok")
    # Not a number any payment can be: unreadable, refused.
    beyond = callback_body(second_track, "Paid", 1000, 1000).replace(
        b'"amount": 10.0', b'"amount": 1e400'
    )
    assert b"1e400" in beyond
    assert post_callback(server.url, beyond, signature(beyond)).status_code == 400
    emulator.wait_idle()
    assert sqlite_rows(sqlite_url, LEDGER) == [("top_up", 2600, f"top_up:{track}")]
    query = "SELECT status, held_cents, review_reason FROM invoices WHERE track_id = "
    assert sqlite_rows(sqlite_url, f"{query}'{second_track}'") == [
        ("waiting", 0, "reported in EUR, not USD: paid, 10.00 EUR received")
    ]
    # The operator is told each reason once; the user only of what was credited.
    told = [m["text"] for m in operator.bot_messages()]
    assert len(told) == 2 and all("Top-up held for review" in text for text in told)
    assert track in told[0] and "held $999,999,974.00" in told[0]
    assert second_track in told[1] and "reported in EUR" in told[1]
    news = [m for m in talk.chat.bot_messages() if "added to your balance" in (m["text"] or "")]
    assert len(news) == 1
    assert "Balance: $26.00" in talk.say("/balance")["text"]


def track_id_of(sqlite_url: str, invoice: dict) -> str:
    invoice_id = re.search(r"Invoice (T\w+)", invoice["text"]).group(1)
    return sqlite_rows(sqlite_url, f"SELECT track_id FROM invoices WHERE id = '{invoice_id}'")[0][0]


def test_typed_amounts_are_checked(emulator, start_bot, sqlite_url):
    start_bot()
    talk = Dialogue(emulator, emulator.create_user("Ann"))
    talk.say("/balance")
    talk.press("➕ Top up")
    assert "smallest top-up is $10.00" in talk.say("5")["text"]
    assert "largest top-up is $10,000.00" in talk.say("20000")["text"]
    assert "digits only" in talk.say("twenty")["text"]
    assert sqlite_rows(sqlite_url, "SELECT COUNT(*) FROM invoices") == [(0,)]
    invoice = talk.say("12.50")
    assert "Top-up $12.50" in invoice["text"]
