"""Buying a label with real processes (SPEC §3.3): Pay pressed over and over across two
PostgreSQL replicas, a label a restart must still deliver, and a process killed right after the
carrier sold the label. (On one in-process app: tests/dialogue/test_purchase_flow.py.)"""

from __future__ import annotations

import time

import httpx
import pytest

from tests.integration.conftest import database_rows, sqlite_rows
from tests.integration.test_top_ups import open_invoice
from tests.support.dialogue import (
    Dialogue,
    pay_button,
    pay_url,
    rate_buttons,
    reach_review_by_pasting,
)

WEBHOOK = "/api/telegram/webhook"
LEDGER = "SELECT kind, amount_cents FROM ledger_entries ORDER BY id"


def wait_for_document(chat, timeout: float = 60) -> dict:
    """The label comes from a background job, after the Pay update was answered."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for message in chat.bot_messages():
            if message.get("document"):
                return message
        time.sleep(0.1)
    raise TimeoutError(f"no document in {chat.bot_messages()}")


def wait_for_rows(sqlite_url: str, query: str, expected: list[tuple], timeout: float = 30) -> None:
    """Another process writes them: read until they are as expected."""
    deadline = time.monotonic() + timeout
    while (rows := sqlite_rows(sqlite_url, query)) != expected:
        assert time.monotonic() < deadline, (query, rows, expected)
        time.sleep(0.2)


def top_up(talk: Dialogue, amount: str) -> None:
    invoice = open_invoice(talk, amount)
    with httpx.Client(timeout=30, follow_redirects=True) as browser:
        assert browser.post(pay_url(invoice) + "/pay").status_code == 200
    talk.chat.wait_for_text("added to your balance")


@pytest.mark.postgres
def test_pay_from_balance_on_two_replicas_buys_one_label_however_often_pay_is_pressed(
    emulator, start_bot, postgres_url
):
    operator = emulator.create_user("Operator")
    url = postgres_url
    # The presses are spread over two server processes.
    replicas = [start_bot(database_url=url, ADMIN_CHAT_ID=str(operator.user_id)) for _ in range(2)]
    emulator.set_targets([replica.url + WEBHOOK for replica in replicas])
    chat = emulator.create_user("Ann")
    talk = Dialogue(emulator, chat)
    top_up(talk, "$100.00")
    reach_review_by_pasting(talk)
    rates = talk.press("💲 Show rates")
    payment = talk.press(rate_buttons(rates)[0])
    assert "Your balance: $100.00" in payment["text"]
    keyboard = payment["reply_markup"]["inline_keyboard"]
    pay = next(b for row in keyboard for b in row if "Pay" in b["text"])

    for _ in range(20):  # a user hammering the button: 20 presses of the same Pay
        chat.press(pay["text"], message=payment)
    wait_for_document(chat)
    emulator.wait_idle()
    documents = [m for m in chat.bot_messages() if m.get("document")]
    assert len(documents) == 1
    ((order_id, status, tracking, price),) = database_rows(
        url, "SELECT id, status, tracking_number, price_cents FROM orders"
    )
    assert status == "purchased"
    label = documents[0]
    assert label["document"]["file_name"] == f"{tracking}.pdf"
    assert tracking in label["caption"] and order_id in label["caption"]
    assert database_rows(url, LEDGER) == [
        ("top_up", 10000),
        ("hold", -price),
        ("hold_release", price),
        ("label_charge", -price),
    ]
    answers = [a.get("text") for a in chat.callback_answers()][-19:]
    assert all(text == "This button is no longer active" for text in answers)
    assert "✅ Label for order" in chat.wait_for_text("bought")["text"]
    told = [m["text"] for m in operator.bot_messages() if "Label bought" in (m["text"] or "")]
    assert len(told) == 1 and order_id in told[0]


def test_a_label_a_crash_kept_from_the_user_is_delivered_after_the_restart_once(
    emulator, start_bot, sqlite_url, tmp_path
):
    quick = {
        "LABELS_DIR": str(tmp_path / "labels"),
        "INVOICE_POLL_SECONDS": "1",
        "PURCHASE_GRACE_SECONDS": "1",
    }
    server = start_bot(**quick)
    chat = emulator.create_user("Ann")
    talk = Dialogue(emulator, chat)
    top_up(talk, "$100.00")
    reach_review_by_pasting(talk)
    talk.press(rate_buttons(talk.press("💲 Show rates"))[0])
    talk.press(pay_button(talk.prompt()))
    wait_for_document(chat)
    # Told in the commit that follows the sent label, so a moment after the emulator has it.
    wait_for_rows(sqlite_url, "SELECT told_at IS NOT NULL FROM orders", [(1,)])
    server.stop()
    # As if the process had died after the purchase's commit and before the label was sent.
    sqlite_rows(sqlite_url, "UPDATE orders SET told_at = NULL")

    start_bot(**quick)
    wait_for_rows(sqlite_url, "SELECT told_at IS NOT NULL FROM orders", [(1,)])
    time.sleep(2.5)  # more reconciliation rounds: nothing is delivered twice
    emulator.wait_idle()
    documents = [m for m in chat.bot_messages() if m.get("document")]
    assert len(documents) == 2  # the first before the "crash", the second after it
    ((tracking,),) = sqlite_rows(sqlite_url, "SELECT tracking_number FROM orders")
    assert documents[-1]["document"]["file_name"] == f"{tracking}.pdf"
    assert sqlite_rows(sqlite_url, "SELECT COUNT(*) FROM ledger_entries") == [(4,)]


def test_a_crash_after_the_carrier_sold_the_label_is_reconciled(
    emulator, start_bot, sqlite_url, tmp_path
):
    labels = tmp_path / "labels"
    quick = {"LABELS_DIR": str(labels), "INVOICE_POLL_SECONDS": "1", "PURCHASE_GRACE_SECONDS": "1"}
    doomed = start_bot(TEST_KILL_AFTER_LABEL="1", **quick)
    chat = emulator.create_user("Ann")
    talk = Dialogue(emulator, chat)
    top_up(talk, "$100.00")
    reach_review_by_pasting(talk)
    payment = talk.press(rate_buttons(talk.press("💲 Show rates"))[0])
    # Not waiting for the emulator: the process may die before it answers this update, which
    # the emulator then redelivers to the next process — a redelivered Pay must not buy again.
    chat.press(
        next(
            b["text"]
            for row in payment["reply_markup"]["inline_keyboard"]
            for b in row
            if "Pay" in b["text"]
        ),
        message=payment,
    )
    # The job bought the label from the carrier, then the process died before settling.
    assert doomed.process.wait(30) == -9
    ((order_id, status, price),) = sqlite_rows(
        sqlite_url, "SELECT id, status, price_cents FROM orders"
    )
    assert status == "purchasing"
    assert len(list((labels / "sandbox-carrier").glob("*.json"))) == 1

    start_bot(**quick)
    label = wait_for_document(chat)
    emulator.wait_idle()
    ((status, tracking),) = sqlite_rows(sqlite_url, "SELECT status, tracking_number FROM orders")
    assert status == "purchased"
    assert label["document"]["file_name"] == f"{tracking}.pdf"
    assert chat.wait_for_text(f"Label for order {order_id} bought")
    assert sqlite_rows(sqlite_url, LEDGER) == [
        ("top_up", 10000),
        ("hold", -price),
        ("hold_release", price),
        ("label_charge", -price),
    ]
    # One label only: the carrier's record and the stored PDFs.
    assert len(list((labels / "sandbox-carrier").glob("*.json"))) == 1
    assert len(list(labels.glob("*.pdf"))) == 1
    assert len([m for m in chat.bot_messages() if m.get("document")]) == 1
