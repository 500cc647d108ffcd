"""Request bodies are capped (issue 9): 413 past the cap, whether declared or streamed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx

from shipbot.config import PAYMENT_CALLBACK_PATH, WEBHOOK_PATH
from shipbot.web.payments import CALLBACK_BODY_LIMIT
from shipbot.web.webhook import WEBHOOK_BODY_LIMIT
from tests.integration.conftest import sqlite_rows
from tests.support.payments import callback_body, signature
from tests.support.sandbox_client import SECRET

WEBHOOK_HEADERS = {"X-Telegram-Bot-Api-Secret-Token": SECRET}


def padded(body: bytes, size: int) -> bytes:
    """The same JSON, `size` bytes long: trailing whitespace is still valid JSON."""
    return body + b" " * (size - len(body))


def chunks(total: int, chunk: int = 64 * 1024) -> Iterator[bytes]:
    """A body streamed without a Content-Length (chunked), never held whole by the client."""
    block = b" " * chunk
    for _ in range(total // chunk):
        yield block


def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


def test_the_webhook_takes_up_to_1_mib_and_refuses_more(emulator, start_bot, sqlite_url):
    server = start_bot()
    chat = emulator.create_user("Ann")
    url = server.url + WEBHOOK_PATH
    update = json.dumps(chat.text_message_update(1, "/start")).encode()

    declared = httpx.post(
        url, content=padded(update, WEBHOOK_BODY_LIMIT + 1), headers=WEBHOOK_HEADERS
    )
    streamed = httpx.post(
        url, content=chunks(WEBHOOK_BODY_LIMIT * 4), headers=WEBHOOK_HEADERS, timeout=30
    )
    assert (declared.status_code, streamed.status_code) == (413, 413)
    assert sqlite_rows(sqlite_url, "SELECT count(*) FROM processed_updates") == [(0,)]

    at_the_limit = httpx.post(
        url, content=padded(update, WEBHOOK_BODY_LIMIT), headers=WEBHOOK_HEADERS, timeout=30
    )
    assert at_the_limit.status_code == 200
    assert "Hello, Ann!" in chat.last_bot_message()["text"]


def test_the_payment_callback_takes_up_to_64_kib_and_refuses_more(start_bot):
    server = start_bot()
    url = server.url + PAYMENT_CALLBACK_PATH
    at_the_limit = padded(callback_body("sbx-unknown", "Paid", 1000, 1000), CALLBACK_BODY_LIMIT)
    over = at_the_limit + b" "

    # Refused before the signature is even looked at: a signed body over the cap is 413 too.
    refused = httpx.post(url, content=over, headers={"HMAC": signature(over)})
    streamed = httpx.post(url, content=chunks(CALLBACK_BODY_LIMIT * 4), timeout=30)
    assert (refused.status_code, streamed.status_code) == (413, 413)

    accepted = httpx.post(url, content=at_the_limit, headers={"HMAC": signature(at_the_limit)})
    assert (accepted.status_code, accepted.text) == (200, "ok")


def test_huge_bodies_do_not_grow_the_servers_memory(start_bot):
    server = start_bot()
    before = rss_bytes(server.process.pid)

    for path in (WEBHOOK_PATH, PAYMENT_CALLBACK_PATH, WEBHOOK_PATH, PAYMENT_CALLBACK_PATH):
        response = httpx.post(
            server.url + path, content=chunks(200 * 1024 * 1024), headers=WEBHOOK_HEADERS
        )
        assert response.status_code == 413

    assert rss_bytes(server.process.pid) - before < 50 * 1024 * 1024
