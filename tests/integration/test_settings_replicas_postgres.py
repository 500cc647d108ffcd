"""A settings change takes effect on every replica without a restart: two `shipbot serve` on
one PostgreSQL, the markup and support contact changed in the database (as the panel will),
and the next quote and /help on either replica use the new values."""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal

import pytest

from shipbot.config import load_settings
from shipbot.db.database import Database
from shipbot.services import shop_settings
from shipbot.services.audit import COMMAND_LINE
from shipbot.services.shop_settings import initial_settings
from tests.integration.conftest import postgres_rows
from tests.integration.test_new_label_flow import reach_review_by_pasting
from tests.integration.test_rates_flow import cents, rate_buttons
from tests.support.dialogue import Dialogue

pytestmark = pytest.mark.postgres
WEBHOOK = "/api/telegram/webhook"


def change_settings(database_url: str, **changes) -> None:
    settings = load_settings(_env_file=None, database_url=database_url)

    async def change() -> None:
        database = Database(settings.database_url)
        try:
            await shop_settings.change(
                database, initial_settings(settings), COMMAND_LINE, reason="test", **changes
            )
        finally:
            await database.dispose()

    asyncio.run(change())


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

    change_settings(
        postgres_url,
        markup_percent=Decimal(0),
        markup_flat_cents=7_00,
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
