"""An exposed sandbox asks for its access token on every page and control call (issue 9)."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from shipbot.config import load_settings
from shipbot.sandbox.access import COOKIE, SandboxAccess
from shipbot.sandbox.run import create_sandbox_app, sandbox_settings

TOKEN = "an-access-token-0123456789abcdef"
GUARDED = ["/sandbox", "/sandbox/api/users", "/sandbox/pay/sbx-1", "/sandbox/static/chat.js"]


def _app() -> FastAPI:
    app = FastAPI()
    for path in [*GUARDED, "/sandbox/botapi/bot123:abc/getMe", "/healthz"]:
        app.add_api_route(path, lambda: {"reached": True})
    app.add_middleware(SandboxAccess, token=TOKEN)
    return app


@pytest.fixture
async def client():
    transport = httpx.ASGITransport(app=_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://sandbox.test") as client:
        yield client


@pytest.mark.parametrize("path", GUARDED)
async def test_without_the_token_nothing_is_reached(client, path):
    for cookies in ({}, {COOKIE: TOKEN[:-1] + "X"}):
        client.cookies = cookies
        refused = await client.get(path)
        assert refused.status_code == 401 and "reached" not in refused.text
    wrong = await client.get(path, params={"access_token": "guess"})
    assert wrong.status_code == 401


async def test_the_printed_link_sets_a_cookie_and_drops_the_token_from_the_address(client):
    opened = await client.get("/sandbox", params={"access_token": TOKEN})
    assert opened.status_code == 303 and opened.headers["location"] == "/sandbox"
    cookie = opened.headers["set-cookie"]
    assert f"{COOKIE}={TOKEN}" in cookie and "HttpOnly" in cookie
    assert "samesite=strict" in cookie.lower()
    for path in GUARDED:
        assert (await client.get(path)).json() == {"reached": True}


async def test_the_bot_api_and_the_bot_answer_without_the_sandbox_token(client):
    # The emulated Bot API checks its own (random) bot token; the bot's routes their own auth.
    assert (await client.get("/sandbox/botapi/bot123:abc/getMe")).status_code == 200
    assert (await client.get("/healthz")).status_code == 200


async def test_the_real_sandbox_asks_for_the_token_with_its_security_headers(tmp_path):
    base = load_settings(
        _env_file=None,
        sandbox_access_token=TOKEN,
        database_url=f"sqlite:///{tmp_path / 'sandbox.db'}",
        labels_dir=str(tmp_path / "labels"),
    )
    app = create_sandbox_app(sandbox_settings(base, host="0.0.0.0", port=8080))
    transport = httpx.ASGITransport(app=app)  # no lifespan: the door answers before any route
    async with httpx.AsyncClient(transport=transport, base_url="http://sandbox.test") as client:
        refused = await client.get("/sandbox/api/users")
    assert refused.status_code == 401
    assert "frame-ancestors 'none'" in refused.headers["content-security-policy"]
    assert refused.headers["x-frame-options"] == "DENY"
