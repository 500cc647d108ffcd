"""G2/G3: a process killed mid-update loses nothing acknowledged; state survives restarts."""

from __future__ import annotations

from tests.integration.conftest import sqlite_rows


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
