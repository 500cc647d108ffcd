"""Operations endpoints and start-up configuration errors (SPEC §5, G7)."""

from __future__ import annotations

import os
import subprocess
import sys

import httpx
import pytest

from shipbot.web.security_headers import CONTENT_SECURITY_POLICY
from tests.support.sandbox_client import ADMIN_TOKEN, TOKEN

METRICS_TOKEN = "metrics-token-0123456789-abcdefghij"


def test_health_readiness_and_metrics(emulator, start_bot):
    server = start_bot()
    chat = emulator.create_user()
    chat.send("/start")
    emulator.wait_idle()
    emulator.inject(chat.text_message_update(4_242, "/count"), copies=2)
    emulator.wait_idle()

    assert httpx.get(server.url + "/healthz").json() == {"status": "ok"}
    ready = httpx.get(server.url + "/readyz")
    assert ready.status_code == 200 and ready.json()["status"] == "ready"
    metrics = httpx.get(server.url + "/metrics").text
    assert 'shipbot_updates_total{outcome="handled"} 2.0' in metrics
    assert "shipbot_duplicate_updates_total 1.0" in metrics
    assert "shipbot_handler_seconds_count 3.0" in metrics


def test_telegram_status_requires_the_admin_token(emulator, start_bot):
    server = start_bot()
    emulator.create_user().send("/start")
    emulator.wait_idle()

    assert httpx.get(server.url + "/api/telegram/status").status_code == 401
    wrong = {"Authorization": "Bearer " + ADMIN_TOKEN[:-1] + "x"}
    assert httpx.get(server.url + "/api/telegram/status", headers=wrong).status_code == 401

    status = httpx.get(
        server.url + "/api/telegram/status", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}
    )
    assert status.status_code == 200
    body = status.json()
    assert body["webhook"]["url"] == server.url + "/api/telegram/webhook"
    assert body["webhook"]["pending_update_count"] == 0
    assert body["last_update_at"] is not None
    assert body["this_process"]["updates"]["handled"] == 1


def run_cli(cwd, *args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "WEBHOOK_", "DATABASE_"))
    }
    return subprocess.run(
        [sys.executable, "-m", "shipbot", *args],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
        cwd=cwd,
    )


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({}, "BOT_TOKEN"),
        ({"BOT_TOKEN": "123:abc"}, "BOT_TOKEN"),
        ({"BOT_TOKEN": TOKEN, "WEBHOOK_BASE_URL": "bot.example.com"}, "WEBHOOK_BASE_URL"),
        ({"BOT_TOKEN": TOKEN, "WEBHOOK_BASE_URL": "https://bot.example.com"}, "WEBHOOK_SECRET"),
        (
            {
                "BOT_TOKEN": TOKEN,
                "WEBHOOK_BASE_URL": "https://a.example.comhttps://b.example.com",
                "WEBHOOK_SECRET": "x" * 32,
            },
            "WEBHOOK_BASE_URL",
        ),
        (
            {
                "BOT_TOKEN": TOKEN,
                "WEBHOOK_BASE_URL": "https://bot.example.com",
                "WEBHOOK_SECRET": "x" * 32,
                "DATABASE_URL": "mysql://db/x",
            },
            "DATABASE_URL",
        ),
    ],
)
def test_bad_configuration_stops_serve_naming_the_variable(env, variable, tmp_path):
    result = run_cli(tmp_path, "serve", "--port", "1", **env)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"shipbot: configuration error: {variable}:"), (
        result.stderr
    )


def test_no_server_banner_no_public_schema_and_security_headers(start_bot):
    server = start_bot()

    health = httpx.get(server.url + "/healthz")
    assert "server" not in health.headers
    assert health.headers["x-content-type-options"] == "nosniff"
    for path in ("/openapi.json", "/docs", "/redoc"):
        assert httpx.get(server.url + path).status_code == 404, path

    page = httpx.get(server.url + "/sandbox/pay/no-such-invoice")  # the sandbox payment page
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert page.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["referrer-policy"] == "same-origin"
    assert page.headers["x-content-type-options"] == "nosniff"


def test_metrics_need_the_bearer_token_when_one_is_set(start_bot):
    server = start_bot(METRICS_TOKEN=METRICS_TOKEN)
    url = server.url + "/metrics"

    refused = [
        httpx.get(url, headers=headers).status_code
        for headers in (
            {},
            {"Authorization": f"Bearer {METRICS_TOKEN[:-1]}x"},
            {"Authorization": f"Basic {METRICS_TOKEN}"},
            {"Authorization": f"Bearer {ADMIN_TOKEN}"},
        )
    ]
    scraped = httpx.get(url, headers={"Authorization": f"Bearer {METRICS_TOKEN}"})

    assert refused == [401] * 4
    assert scraped.status_code == 200 and "shipbot_updates_total" in scraped.text
