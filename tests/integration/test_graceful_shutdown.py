"""SIGTERM drains (issue 9): the update in flight finishes and commits, new ones get 503 and are
left to Telegram's redelivery, a label purchase in flight is finished and delivered, and the
process exits cleanly."""

from __future__ import annotations

import signal
import time

import httpx

from tests.integration.conftest import sqlite_rows
from tests.integration.test_purchase_flow import top_up, wait_for_document
from tests.support.dialogue import Dialogue, rate_buttons, reach_review_by_pasting


def wait_for_log(server, fragment: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while fragment not in server.log():
        assert time.monotonic() < deadline, f"{fragment!r} not in the log:\n{server.log()}"
        time.sleep(0.05)


def wait_for_attempts(emulator, update_id: int, count: int, timeout: float = 30) -> list[dict]:
    deadline = time.monotonic() + timeout
    while True:
        attempts = [a for a in emulator.deliveries() if a["update_id"] == update_id]
        if len(attempts) >= count:
            return attempts
        assert time.monotonic() < deadline, f"{count} attempts expected: {attempts}"
        time.sleep(0.05)


def test_sigterm_finishes_the_update_in_flight_and_leaves_new_ones_for_redelivery(
    emulator, start_bot, sqlite_url, tmp_path
):
    gate = tmp_path / "gate"
    server = start_bot(TEST_GATE_FILE=str(gate), TEST_SLOW_SECONDS="120")
    busy, other = emulator.create_user("Ann"), emulator.create_user("Bob")
    slow = busy.send("/slow")
    busy.wait_for_text("Working…")  # the handler is mid-flight, waiting on the gate

    server.process.send_signal(signal.SIGTERM)
    wait_for_log(server, "draining")
    ready = httpx.get(server.url + "/readyz", timeout=10)
    assert (ready.status_code, ready.json()) == (503, {"status": "draining"})
    waiting = other.send("/start")  # arrives while the server drains
    refused = wait_for_attempts(emulator, waiting, 2)
    assert {attempt.get("status") for attempt in refused} == {503}
    gate.touch()
    assert server.process.wait(60) == 0
    assert "Finished server process" in server.log()

    assert sqlite_rows(
        sqlite_url, f"SELECT outcome FROM processed_updates WHERE update_id = {slow}"
    ) == [("handled",)]
    assert sqlite_rows(
        sqlite_url, f"SELECT COUNT(*) FROM processed_updates WHERE update_id = {waiting}"
    ) == [(0,)]
    assert not other.bot_messages()

    start_bot(TEST_GATE_FILE=str(gate))  # Telegram redelivers what the drain left
    emulator.wait_idle()
    texts = [m["text"] for m in busy.bot_messages()]
    assert texts.count("Slow step done (run 1)") == 1
    assert len(other.bot_messages()) == 1
    assert sqlite_rows(
        sqlite_url, f"SELECT outcome FROM processed_updates WHERE update_id = {waiting}"
    ) == [("handled",)]


def test_sigterm_lets_the_label_purchase_in_flight_finish_and_be_delivered(
    emulator, start_bot, sqlite_url
):
    # Every carrier call takes 2 s, so the purchase is still running when the signal comes.
    server = start_bot(SANDBOX_CARRIER_LATENCY="2")
    chat = emulator.create_user("Ann")
    talk = Dialogue(emulator, chat)
    top_up(talk, "$100.00")
    reach_review_by_pasting(talk)
    payment = talk.press(rate_buttons(talk.press("💲 Show rates"))[0])
    keyboard = payment["reply_markup"]["inline_keyboard"]
    pay = next(button["text"] for row in keyboard for button in row if "Pay" in button["text"])
    chat.press(pay, message=payment)
    emulator.wait_idle()  # the press is answered at once; the label comes from a job
    server.process.send_signal(signal.SIGTERM)
    assert server.process.wait(60) == 0
    (status,) = sqlite_rows(sqlite_url, "SELECT status FROM orders")
    assert status == ("purchased",)
    assert wait_for_document(chat, timeout=1)["caption"]
    assert sqlite_rows(sqlite_url, "SELECT told_at IS NOT NULL FROM orders") == [(1,)]
