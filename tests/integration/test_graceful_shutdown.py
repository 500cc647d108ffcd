"""SIGTERM drains (issue 9): the update in flight finishes and commits, new ones are left to
Telegram's redelivery, and the process exits cleanly."""

from __future__ import annotations

import signal
import time

from tests.integration.conftest import sqlite_rows


def wait_for_log(server, fragment: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while fragment not in server.log():
        assert time.monotonic() < deadline, f"{fragment!r} not in the log:\n{server.log()}"
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
    wait_for_log(server, "Shutting down")
    waiting = other.send("/start")  # arrives while the server drains
    time.sleep(1)  # several delivery attempts, none of which may be taken
    gate.touch()
    # uvicorn re-raises the signal once it has shut down: the usual exit of a stopped server.
    assert server.process.wait(60) == -signal.SIGTERM
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
