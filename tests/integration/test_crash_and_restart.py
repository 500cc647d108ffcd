"""G2/G3: a process killed mid-update loses nothing acknowledged; state survives restarts."""

from __future__ import annotations

import time

import pytest

from tests.integration.conftest import database_rows, sqlite_rows
from tests.support.dialogue import Dialogue


def test_sigkill_mid_handler_then_redelivery_takes_effect_once(
    emulator, start_bot, sqlite_url, tmp_path
):
    gate = tmp_path / "gate"
    server = start_bot(TEST_GATE_FILE=str(gate), TEST_SLOW_SECONDS="120")
    chat = emulator.create_user()
    chat.send("/remember kept")
    chat.wait_for_text("Remembered: kept")
    emulator.wait_idle()

    slow_update = chat.send("/slow")
    chat.wait_for_text("Working…")  # the handler is now mid-flight, waiting on the gate
    server.kill()

    assert sqlite_rows(
        sqlite_url, f"SELECT count(*) FROM processed_updates WHERE update_id = {slow_update}"
    ) == [(0,)]
    gate.touch()
    start_bot(TEST_GATE_FILE=str(gate))  # same database, new process; Telegram redelivers
    emulator.wait_idle()

    texts = [m["text"] for m in chat.bot_messages()]
    assert texts.count("Slow step done (run 1)") == 1
    assert not any("run 2" in text for text in texts)
    attempts = [d for d in emulator.deliveries() if d["update_id"] == slow_update]
    assert attempts[-1]["status"] == 200 and len(attempts) >= 2
    chat.send("/recall")
    recalled = chat.wait_for_text("state=")
    assert "state=Diagnostics:remembering memo=kept count=0 slow_runs=1" in recalled["text"]


def test_conversation_state_survives_a_clean_restart(emulator, start_bot):
    server = start_bot()
    chat = emulator.create_user()
    chat.send("/remember across restarts")
    chat.send("/count")
    chat.wait_for_text("Count: 1")
    emulator.wait_idle()
    server.stop()

    start_bot()
    chat.send("/count")
    chat.wait_for_text("Count: 2")
    chat.send("/recall")
    assert "memo=across restarts count=2" in chat.wait_for_text("state=")["text"]


@pytest.mark.parametrize(
    "database", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def test_a_press_answered_before_a_crash_takes_effect_on_its_redelivery(
    emulator, start_bot, sqlite_url, request, database
):
    """Telegram refuses a second answer to a callback query ("query is too old"); the
    redelivered press must still take effect, once, and the flow go on from it (G2)."""
    url = sqlite_url if database == "sqlite" else request.getfixturevalue("postgres_url")
    server = start_bot(url)
    chat = emulator.create_user()
    talk = Dialogue(emulator, chat)
    talk.say("/balance")
    emulator.settings(held_answers=["answerCallbackQuery"])
    press = chat.press("➕ Top up")
    # Telegram has taken the answer, but the server dies before it hears so or commits.
    wait_until(lambda: chat.callback_answers())
    server.kill()
    emulator.settings(held_answers=[])

    start_bot(url)  # same database, new process; Telegram redelivers the press
    emulator.wait_idle()
    assert database_rows(
        url, f"SELECT outcome FROM processed_updates WHERE update_id = {press}"
    ) == [("handled",)]
    texts = [message["text"] for message in chat.bot_messages()]
    assert not any("Something went wrong" in text for text in texts)
    invoice = talk.say("25")  # the amount step the press led to is where the user is
    assert "Pay before" in invoice["text"]


def wait_until(condition, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)
