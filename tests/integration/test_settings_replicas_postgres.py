"""A settings change takes effect on every replica without a restart: two `shipbot serve` on
one PostgreSQL; an owner logs in to the panel on one replica, and with that session changes
the markup and support contact through the other; the next quote and /help on either replica
use the new values."""

from __future__ import annotations

import asyncio
import json
import re

import httpx
import pytest

from shipbot.config import load_settings
from shipbot.db.database import Database
from shipbot.services import admin_accounts
from shipbot.services.admin_accounts import Role
from shipbot.services.audit import COMMAND_LINE
from tests.integration.conftest import postgres_rows
from tests.support.dialogue import Dialogue, cents, rate_buttons, reach_review_by_pasting

pytestmark = pytest.mark.postgres
WEBHOOK = "/api/telegram/webhook"
OWNER, PASSWORD = "olga", "correct horse battery staple"


def create_owner(database_url: str) -> None:
    settings = load_settings(_env_file=None, database_url=database_url)

    async def create() -> None:
        database = Database(settings.database_url)
        try:
            await admin_accounts.create_account(
                database, OWNER, PASSWORD, Role.OWNER, COMMAND_LINE
            )
        finally:
            await database.dispose()

    asyncio.run(create())


def hidden(html: str, name: str) -> str:
    return re.search(rf'name="{name}" value="([^"]+)"', html).group(1)


def log_in(server) -> httpx.Cookies:
    with httpx.Client(base_url=server.url, timeout=30) as browser:
        form = browser.get("/admin/login").text
        login = {"username": OWNER, "password": PASSWORD, "csrf_token": hidden(form, "csrf_token")}
        answer = browser.post("/admin/login", data=login)
        assert answer.status_code == 303, answer.text
        return browser.cookies


def change_settings_in_the_panel(server, cookies: httpx.Cookies, **fields: str) -> None:
    with httpx.Client(base_url=server.url, cookies=cookies, timeout=30) as browser:
        page = browser.get("/admin/settings")
        assert page.status_code == 200  # the session made on the other replica holds here
        form = {name: hidden(page.text, name) for name in ("csrf_token", "version")}
        saved = browser.post("/admin/settings", data=form | fields)
        assert saved.status_code == 303, saved.text


def newest_quote_prices(database_url: str) -> list[tuple[int, int]]:
    ((rates,),) = postgres_rows(
        database_url, "SELECT rates FROM rate_quotes ORDER BY created_at DESC LIMIT 1"
    )
    rates = json.loads(rates) if isinstance(rates, str) else rates
    return [(rate["carrier_total_cents"], rate["price_cents"]) for rate in rates]


def test_a_settings_change_is_used_by_the_next_quote_on_each_replica(
    emulator, start_bot, postgres_url
):
    first = start_bot(database_url=postgres_url)
    second = start_bot(database_url=postgres_url)
    emulator.set_targets([first.url + WEBHOOK])
    talk = Dialogue(emulator, emulator.create_user("Ann"))
    reach_review_by_pasting(talk)
    old = talk.press("💲 Show rates")
    assert all(price > total for total, price in newest_quote_prices(postgres_url))  # 10 %

    create_owner(postgres_url)
    change_settings_in_the_panel(
        second,
        log_in(first),
        markup_percent="0",
        markup_flat_cents="7.00",
        support_contact="@replica_support",
    )

    for replica in (second, first):
        emulator.set_targets([replica.url + WEBHOOK])
        new = talk.press("🔁 Refresh")
        prices = newest_quote_prices(postgres_url)
        assert all(price == total + 7_00 for total, price in prices), replica.name
        assert sorted(cents(button) for button in rate_buttons(new)) == sorted(
            price for _, price in prices
        )
    assert rate_buttons(new) != rate_buttons(old)
    assert {d["url"] for d in emulator.deliveries()} >= {first.url + WEBHOOK, second.url + WEBHOOK}

    emulator.set_targets([second.url + WEBHOOK])
    assert "@replica_support" in talk.say("/help")["text"]
