"""Top-ups across a restart (SPEC §3.4, G6): news a crash kept from the user is told by the next
process, once. (Top-ups themselves, in-process: tests/dialogue/test_top_ups.py.)"""

from __future__ import annotations

import time

import httpx

from tests.integration.conftest import sqlite_rows
from tests.support.dialogue import Dialogue, pay_url

CALLBACK = "/api/payments/oxapay/callback"
LEDGER = "SELECT kind, amount_cents, idempotency_key FROM ledger_entries ORDER BY id"


def open_invoice(talk: Dialogue, amount: str = "$25.00") -> dict:
    talk.say("/balance")
    talk.press("➕ Top up")
    invoice = talk.press(amount)
    assert "Pay before" in invoice["text"]
    return invoice


def track_id(sqlite_url: str) -> str:
    return sqlite_rows(sqlite_url, "SELECT track_id FROM invoices")[0][0]


def post_callback(server_url: str, body: bytes, hmac_header: str | None) -> httpx.Response:
    headers = {"Content-Type": "application/json"}
    if hmac_header is not None:
        headers["HMAC"] = hmac_header
    return httpx.post(server_url + CALLBACK, content=body, headers=headers, timeout=30)


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
