"""The real application in-process (sandbox providers, a temporary SQLite database, its
lifespan run by hand) and browsers talking to it over httpx's ASGI transport."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from shipbot.config import Settings, load_settings
from shipbot.db.database import Database
from shipbot.services import admin_api_tokens
from shipbot.services.admin_accounts import Role, create_account, list_accounts
from shipbot.services.audit import COMMAND_LINE, Actor
from shipbot.web.app import create_app
from tests.support.payments import SANDBOX_KEY
from tests.support.sandbox_client import ADMIN_TOKEN, SECRET, TOKEN
from tests.support.tasks import settle

PASSWORD = "correct horse battery staple"
OWNER = "olga"
SUPPORT = "sam"
_CSRF_INPUT = re.compile(r'<input type="hidden" name="(csrf[^"]*)" value="([^"]+)"')


def admin_settings(tmp_path: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "bot_token": TOKEN,
        "webhook_secret": SECRET,
        "webhook_base_url": "http://testserver",
        # Nothing listens here: these pages must not need the Bot API.
        "telegram_api_url": "http://127.0.0.1:9",
        "database_url": f"sqlite:///{tmp_path / 'admin.db'}",
        "payment_provider": "sandbox",
        "carrier_provider": "sandbox",
        "sandbox_merchant_key": SANDBOX_KEY,
        "admin_api_token": ADMIN_TOKEN,
        "labels_dir": str(tmp_path / "labels"),
        **overrides,
    }
    return load_settings(_env_file=None, **values)


async def running_app(settings: Settings) -> AsyncIterator[FastAPI]:
    app = create_app(settings, register_webhook=False)
    async with app.router.lifespan_context(app):
        yield app
    await settle()


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[FastAPI]:
    async for running in running_app(admin_settings(tmp_path)):
        yield running


@pytest.fixture
def database(app: FastAPI) -> Database:
    return app.state.runtime.database


def browser(
    app: FastAPI, address: str = "192.0.2.10", base_url: str = "http://testserver"
) -> httpx.AsyncClient:
    """A client that keeps cookies, seen by the app as coming from `address`."""
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url=base_url, follow_redirects=False)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with browser(app) as anonymous:
        yield anonymous


@pytest.fixture
async def accounts(database: Database) -> None:
    """An owner and a support account, both with PASSWORD."""
    await create_account(database, OWNER, PASSWORD, Role.OWNER, COMMAND_LINE)
    await create_account(database, SUPPORT, PASSWORD, Role.SUPPORT, COMMAND_LINE)


async def personal_token(database: Database, username: str, name: str = "script") -> str:
    """A personal API token of that admin, made by the service the panel calls."""
    [account] = [a for a in await list_accounts(database) if a.username == username]
    holder = Actor(account.id, account.username, "192.0.2.1")
    token, _view = await admin_api_tokens.create(database, holder, name)
    return token


def csrf_field(html: str) -> tuple[str, str]:
    """The name and value of the page's hidden CSRF field."""
    found = _CSRF_INPUT.search(html)
    assert found, "no hidden CSRF field on the page"
    return found.group(1), found.group(2)


async def log_in(
    client: httpx.AsyncClient, username: str = OWNER, password: str = PASSWORD
) -> httpx.Response:
    """Fill in and post the login form as a browser does."""
    form = await client.get("/admin/login")
    name, token = csrf_field(form.text)
    return await client.post(
        "/admin/login", data={"username": username, "password": password, name: token}
    )


async def logged_in(
    client: httpx.AsyncClient, username: str = OWNER, password: str = PASSWORD
) -> str:
    """Log in and return the session's CSRF token, as the panel's pages carry it."""
    response = await log_in(client, username, password)
    assert response.status_code == 303, response.text
    home = await client.get("/admin")
    assert home.status_code == 200
    return csrf_field(home.text)[1]
