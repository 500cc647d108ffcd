"""`shipbot doctor` against a healthy sandbox set-up and against broken ones (issue 9)."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.support.sandbox_client import SECRET, TOKEN

BASE = "http://127.0.0.1:9"


def run(emulator, tmp_path, *args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "shipbot", *args],
        env={
            **os.environ,
            "BOT_TOKEN": TOKEN,
            "TELEGRAM_API_URL": emulator.botapi_url,
            "WEBHOOK_BASE_URL": BASE,
            "WEBHOOK_SECRET": SECRET,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'doctor.db'}",
            "PAYMENT_PROVIDER": "sandbox",
            "CARRIER_PROVIDER": "sandbox",
            "LABELS_DIR": str(tmp_path / "labels"),
            **env,
        },
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


def verdicts(result: subprocess.CompletedProcess) -> dict[str, str]:
    lines = result.stdout.strip().splitlines()
    return {line[6:].split(":", 1)[0]: line[:4].strip() for line in lines}


def test_a_healthy_set_up_passes_every_check(emulator, tmp_path):
    assert run(emulator, tmp_path, "migrate").returncode == 0
    assert run(emulator, tmp_path, "webhook", "set").returncode == 0
    result = run(emulator, tmp_path, "doctor")
    assert result.returncode == 0, result.stdout + result.stderr
    assert verdicts(result) == {
        "configuration": "ok",
        "database": "ok",
        "Bot API token": "ok",
        "webhook": "ok",
        "carrier": "ok",
        "payments": "ok",
        "label storage": "ok",
    }
    assert f"{BASE}/api/telegram/webhook, 0 pending" in result.stdout
    assert "@shipbot_sandbox_bot" in result.stdout


def test_a_broken_set_up_fails_naming_each_problem(emulator, tmp_path):
    # Not migrated, the webhook pointing elsewhere, and a token the Bot API refuses.
    assert (
        run(emulator, tmp_path, "webhook", "set", WEBHOOK_BASE_URL="http://127.0.0.1:7").returncode
        == 0
    )
    result = run(emulator, tmp_path, "doctor")
    assert result.returncode == 1
    found = verdicts(result)
    assert found["database"] == "FAIL" and "run shipbot migrate" in result.stdout
    assert (
        found["webhook"] == "FAIL"
        and "set to http://127.0.0.1:7/api/telegram/webhook" in result.stdout
    )
    assert found["carrier"] == "ok" and found["payments"] == "ok"

    refused = run(
        emulator, tmp_path, "doctor", BOT_TOKEN="123456789:WRONGwrongWRONGwrongWRONGwrongWRO"
    )
    assert refused.returncode == 1
    assert verdicts(refused)["Bot API token"] == "FAIL"
    assert "Traceback" not in refused.stdout + refused.stderr


def test_bad_configuration_is_one_failing_line(emulator, tmp_path):
    result = run(emulator, tmp_path, "doctor", PAYMENT_PROVIDER="")
    assert result.returncode == 1
    assert result.stdout.strip().splitlines() == [
        "FAIL  configuration: PAYMENT_PROVIDER: is required: oxapay or sandbox"
    ]
