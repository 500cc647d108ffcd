"""`shipbot poll` and `shipbot webhook set|delete|info` against the Bot API emulator."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import httpx

from tests.integration.test_top_ups import open_invoice
from tests.support.dialogue import Dialogue, pay_url
from tests.support.payments import SANDBOX_KEY
from tests.support.processes import HOOKED_SHIPBOT, ServerProcess
from tests.support.sandbox_client import SECRET, TOKEN


def shipbot(emulator, tmp_path, *args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "shipbot", *args],
        env={
            **os.environ,
            "BOT_TOKEN": TOKEN,
            "TELEGRAM_API_URL": emulator.botapi_url,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'poll.db'}",
            "PAYMENT_PROVIDER": "sandbox",
            "CARRIER_PROVIDER": "sandbox",
            **env,
        },
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


def test_webhook_set_info_delete_keep_pending_updates_unless_asked(emulator, tmp_path):
    hook = {"WEBHOOK_BASE_URL": "http://127.0.0.1:9", "WEBHOOK_SECRET": SECRET}
    assert shipbot(emulator, tmp_path, "webhook", "set", **hook).returncode == 0
    assert emulator.webhook()["url"] == "http://127.0.0.1:9/api/telegram/webhook"
    assert emulator.webhook()["has_secret_token"] is True

    assert shipbot(emulator, tmp_path, "webhook", "delete").returncode == 0
    emulator.create_user().send("a pending update")
    info = json.loads(shipbot(emulator, tmp_path, "webhook", "info").stdout)
    assert info["url"] == "" and info["pending_update_count"] == 1

    assert shipbot(emulator, tmp_path, "webhook", "delete").returncode == 0
    assert (
        json.loads(shipbot(emulator, tmp_path, "webhook", "info").stdout)["pending_update_count"]
        == 1
    )
    dropped = shipbot(emulator, tmp_path, "webhook", "delete", "--drop-pending-updates")
    assert dropped.returncode == 0 and "pending updates dropped" in dropped.stdout
    assert (
        json.loads(shipbot(emulator, tmp_path, "webhook", "info").stdout)["pending_update_count"]
        == 0
    )


def test_poll_refuses_while_a_webhook_is_set(emulator, tmp_path):
    hook = {"WEBHOOK_BASE_URL": "http://127.0.0.1:9", "WEBHOOK_SECRET": SECRET}
    shipbot(emulator, tmp_path, "webhook", "set", **hook)
    result = shipbot(emulator, tmp_path, "poll")
    assert result.returncode == 1
    assert "run `shipbot webhook delete` first" in result.stderr


def test_poll_runs_the_same_program_as_serve(emulator, tmp_path, log_dir):
    """Updates from getUpdates, and beside them the payment callback and the jobs."""
    chat = emulator.create_user("Ann")
    chat.send("/start")  # held by the emulator until someone polls
    poller = ServerProcess("poll", [*HOOKED_SHIPBOT, "poll"], {}, log_dir)
    poller.env = {
        "BOT_TOKEN": TOKEN,
        "TELEGRAM_API_URL": emulator.botapi_url,
        "WEBHOOK_BASE_URL": poller.url,  # where the payment page and the callback are reached
        "DATABASE_URL": f"sqlite:///{tmp_path / 'poll.db'}",
        "PAYMENT_PROVIDER": "sandbox",
        "CARRIER_PROVIDER": "sandbox",
        "SANDBOX_MERCHANT_KEY": SANDBOX_KEY,
        "LABELS_DIR": str(tmp_path / "labels"),
    }
    poller.start()
    try:
        chat.wait_for_text("Hello, Ann!", timeout=60)
        chat.send("/count")
        chat.wait_for_text("Count: 1", timeout=60)
        talk = Dialogue(emulator, chat)
        invoice = open_invoice(talk)
        with httpx.Client(timeout=30, follow_redirects=True) as browser:
            assert browser.post(pay_url(invoice) + "/pay").status_code == 200
        chat.wait_for_text("added to your balance", timeout=60)
        poller.process.send_signal(signal.SIGTERM)
        assert poller.process.wait(60) == 0
    finally:
        poller.stop()
