"""Buying a label through the emulator over HTTP (SPEC §3.3): top up on the sandbox payment
page, choose a rate, pay from the balance — however many times Pay is pressed, one label, one
charge, one PDF named by its tracking number; the operator is told."""

from __future__ import annotations

import time

import httpx
import pytest

from tests.integration.conftest import database_rows, sqlite_rows
from tests.integration.test_new_label_flow import reach_review_by_pasting
from tests.integration.test_rates_flow import rate_buttons
from tests.integration.test_top_ups import open_invoice, pay_url
from tests.support.dialogue import Dialogue

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


def top_up(talk: Dialogue, amount: str) -> None:
    invoice = open_invoice(talk, amount)
    with httpx.Client(timeout=30, follow_redirects=True) as browser:
        assert browser.post(pay_url(invoice) + "/pay").status_code == 200
    talk.chat.wait_for_text("added to your balance")


@pytest.mark.parametrize(
    "database", ["sqlite", pytest.param("postgres with two replicas", marks=pytest.mark.postgres)]
)
def test_pay_from_balance_buys_one_label_however_often_pay_is_pressed(
    emulator, start_bot, sqlite_url, request, database
):
    operator = emulator.create_user("Operator")
    if database == "sqlite":
        url = sqlite_url
        start_bot(ADMIN_CHAT_ID=str(operator.user_id))
    else:  # the presses are spread over two server processes
        url = request.getfixturevalue("postgres_url")
        replicas = [
            start_bot(database_url=url, ADMIN_CHAT_ID=str(operator.user_id)) for _ in range(2)
        ]
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
    assert sqlite_rows(sqlite_url, "SELECT told_at IS NOT NULL FROM orders") == [(1,)]
    server.stop()
    # As if the process had died after the purchase's commit and before the label was sent.
    sqlite_rows(sqlite_url, "UPDATE orders SET told_at = NULL")

    start_bot(**quick)
    deadline = time.monotonic() + 30
    while sqlite_rows(sqlite_url, "SELECT told_at IS NOT NULL FROM orders") != [(1,)]:
        assert time.monotonic() < deadline, "the label was not delivered after the restart"
        time.sleep(0.2)
    time.sleep(2.5)  # more reconciliation rounds: nothing is delivered twice
    emulator.wait_idle()
    documents = [m for m in chat.bot_messages() if m.get("document")]
    assert len(documents) == 2  # the first before the "crash", the second after it
    ((tracking,),) = sqlite_rows(sqlite_url, "SELECT tracking_number FROM orders")
    assert documents[-1]["document"]["file_name"] == f"{tracking}.pdf"
    assert sqlite_rows(sqlite_url, "SELECT COUNT(*) FROM ledger_entries") == [(4,)]


def test_a_short_balance_offers_the_top_up(emulator, start_bot, sqlite_url):
    start_bot()
    talk = Dialogue(emulator, emulator.create_user("Ann"))
    reach_review_by_pasting(talk)
    rates = talk.press("💲 Show rates")
    payment = talk.press(rate_buttons(rates)[0])
    assert "Top up" in payment["text"]
    buttons = [b["text"] for row in payment["reply_markup"]["inline_keyboard"] for b in row]
    assert any(text.startswith("➕ Top up $") for text in buttons)
    invoice = talk.press(next(text for text in buttons if text.startswith("➕ Top up $")))
    assert "Pay before" in invoice["text"]
    assert sqlite_rows(sqlite_url, "SELECT COUNT(*) FROM orders WHERE status = 'quoted'") == [(1,)]


def pay_button(message: dict) -> str:
    keyboard = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return next(b["text"] for row in keyboard for b in row if b["text"].startswith("💳 Pay"))


def top_up_for_an_order(talk: Dialogue) -> tuple[dict, dict]:
    """With no balance: the order's payment screen, then the invoice for its shortfall."""
    reach_review_by_pasting(talk)
    payment = talk.press(rate_buttons(talk.press("💲 Show rates"))[0])
    invoice = talk.press(next(b for b in talk.buttons() if b.startswith("➕ Top up $")))
    return payment, invoice


def test_a_top_up_for_an_order_brings_the_user_back_to_pay_for_it(emulator, start_bot, sqlite_url):
    start_bot()
    chat = emulator.create_user("Ann")
    talk = Dialogue(emulator, chat)
    payment, invoice = top_up_for_an_order(talk)
    with httpx.Client(timeout=30, follow_redirects=True) as browser:
        assert browser.post(pay_url(invoice) + "/pay").status_code == 200

    # The invoice message itself becomes the order's payment screen, with the news on top.
    back = chat.wait_for_text("added to your balance")
    emulator.wait_idle()
    assert back["message_id"] == invoice["message_id"]
    assert payment["text"].split("\n")[0] in back["text"]
    assert len(chat.live_keyboards()) == 1
    ((order_id,),) = sqlite_rows(sqlite_url, "SELECT order_id FROM invoices")
    assert sqlite_rows(sqlite_url, "SELECT id FROM orders") == [(order_id,)]

    talk.press(pay_button(back))
    wait_for_document(chat)
    assert sqlite_rows(sqlite_url, "SELECT status FROM orders") == [("purchased",)]


def test_a_top_up_paid_after_going_back_to_the_order_updates_its_payment_screen(
    emulator, start_bot, sqlite_url
):
    start_bot()
    chat = emulator.create_user("Ann")
    talk = Dialogue(emulator, chat)
    payment, invoice = top_up_for_an_order(talk)
    again = talk.press("⬅️ Back")  # the invoice message becomes the payment screen again
    assert again["message_id"] == invoice["message_id"] and again["text"] == payment["text"]
    with httpx.Client(timeout=30, follow_redirects=True) as browser:
        assert browser.post(pay_url(invoice) + "/pay").status_code == 200

    back = chat.wait_for_text("added to your balance")
    emulator.wait_idle()
    assert back["message_id"] == invoice["message_id"]
    assert [m["message_id"] for m in chat.live_keyboards()] == [invoice["message_id"]]
    talk.press(pay_button(back))
    wait_for_document(chat)


def test_a_top_up_paid_after_the_user_moved_on_only_brings_the_news(
    emulator, start_bot, sqlite_url
):
    start_bot()
    chat = emulator.create_user("Ann")
    talk = Dialogue(emulator, chat)
    _, invoice = top_up_for_an_order(talk)
    balance = talk.say("/balance")
    with httpx.Client(timeout=30, follow_redirects=True) as browser:
        assert browser.post(pay_url(invoice) + "/pay").status_code == 200

    news = chat.wait_for_text("added to your balance")
    emulator.wait_idle()
    assert news["message_id"] not in (invoice["message_id"], balance["message_id"])
    assert not news.get("reply_markup")
    assert [m["message_id"] for m in chat.live_keyboards()] == [balance["message_id"]]
    assert sqlite_rows(sqlite_url, "SELECT status FROM orders") == [("quoted",)]


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
