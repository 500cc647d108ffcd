"""The ledger under real concurrency on PostgreSQL (G5): concurrent debits never take a
balance below zero, and concurrent copies of one movement apply once."""

from __future__ import annotations

import asyncio

import pytest

from shipbot.config import load_settings
from shipbot.db import migrate
from shipbot.db.database import Database
from shipbot.db.models import LedgerEntry, User, utcnow
from shipbot.domain import ledger as keys
from shipbot.domain.ledger import EntryKind
from shipbot.services.ledger import InsufficientFunds, Movement, apply, balance_of
from tests.service.test_purchase import twenty_presses_buy_one_label

pytestmark = pytest.mark.postgres


async def attempt(database: Database, user_id: int, movement: Movement) -> str:
    try:
        async with database.write_transaction() as session:
            return "applied" if await apply(session, user_id, movement) else "replay"
    except InsufficientFunds:
        return "refused"


def test_concurrent_holds_and_replayed_credits(postgres_url):
    url = load_settings(_env_file=None, database_url=postgres_url).database_url

    async def scenario() -> None:
        database = Database(url, pool_size=30, max_overflow=10)
        try:
            await migrate.upgrade(database)
            async with database.transaction() as session:
                now = utcnow()
                session.add(
                    User(id=7, first_name="P", is_blocked=False, created_at=now, last_seen_at=now)
                )
            credit = Movement(EntryKind.TOP_UP, 5000, "inv", keys.top_up_key("track-1"))
            credits = await asyncio.gather(*(attempt(database, 7, credit) for _ in range(10)))
            assert sorted(credits) == ["applied"] + ["replay"] * 9

            holds = [
                Movement(EntryKind.HOLD, -1000, f"o{n}", keys.hold_key(f"o{n}")) for n in range(20)
            ]
            outcomes = await asyncio.gather(*(attempt(database, 7, hold) for hold in holds))
            assert outcomes.count("applied") == 5 and outcomes.count("refused") == 15

            async with database.transaction() as session:
                assert await balance_of(session, 7) == 0
                entries = (await session.scalars(LedgerEntry.__table__.select())).all()
                assert len(entries) == 6
        finally:
            await database.dispose()

    asyncio.run(scenario())


def test_twenty_concurrent_presses_buy_one_label_on_postgres(postgres_url, tmp_path):
    url = load_settings(_env_file=None, database_url=postgres_url).database_url
    asyncio.run(twenty_presses_buy_one_label(url, tmp_path))
