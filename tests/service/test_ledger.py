"""The ledger (SPEC G5) on a real SQLite database: exactly-once movements, a balance that is
the sum of the entries and never negative, whatever sequence of operations and replays."""

from __future__ import annotations

import asyncio
import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from shipbot.db import migrate
from shipbot.db.database import Database
from shipbot.db.models import Balance, LedgerEntry, User, utcnow
from shipbot.domain import ledger as keys
from shipbot.domain.ledger import EntryKind
from shipbot.services.ledger import InsufficientFunds, Movement, apply, balance_of

USERS = itertools.count(1000)


@pytest.fixture(scope="module")
def database_url(tmp_path_factory) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('ledger') / 'db.sqlite'}"

    async def prepare() -> None:
        database = Database(url)
        await migrate.upgrade(database)
        await database.dispose()

    asyncio.run(prepare())
    return url


def movements(op: tuple) -> list[Movement]:
    """What each operation of the product moves, with the keys it really uses."""
    kind, ref, amount = op
    if kind == "top_up":
        return [Movement(EntryKind.TOP_UP, amount, ref, keys.top_up_key(ref))]
    if kind == "hold":
        return [Movement(EntryKind.HOLD, -amount, ref, keys.hold_key(ref))]
    if kind == "capture":
        return [
            Movement(EntryKind.HOLD_RELEASE, amount, ref, keys.settle_key(ref)),
            Movement(EntryKind.LABEL_CHARGE, -amount, ref, keys.charge_key(ref)),
        ]
    if kind == "release":
        return [Movement(EntryKind.HOLD_RELEASE, amount, ref, keys.settle_key(ref))]
    if kind == "refund":
        return [Movement(EntryKind.REFUND, amount, ref, keys.refund_key(ref))]
    return [Movement(EntryKind.ADJUSTMENT, amount, ref, keys.adjustment_key(ref))]


REFS = st.sampled_from(["a", "b", "c", "d"])
AMOUNTS = st.integers(min_value=1, max_value=5_000)
OPERATIONS = st.one_of(
    st.tuples(st.sampled_from(["top_up", "hold", "capture", "release", "refund"]), REFS, AMOUNTS),
    st.tuples(st.just("adjust"), REFS, st.integers(min_value=-5_000, max_value=5_000)),
)


async def run(url: str, user_id: int, operations: list[tuple]) -> None:
    database = Database(url)
    try:
        async with database.transaction() as session:
            now = utcnow()
            session.add(
                User(id=user_id, first_name="L", is_blocked=False, created_at=now, last_seen_at=now)
            )
        model_balance, applied = 0, set()
        for kind, ref, amount in operations:
            # Keys are unique across users: each example gets references of its own.
            op = (kind, f"{user_id}-{ref}", amount)
            moves = movements(op)
            delta = sum(move.amount_cents for move in moves)
            try:
                async with database.write_transaction() as session:
                    done = await apply(session, user_id, *moves)
            except InsufficientFunds:
                assert moves[0].key not in applied and model_balance + delta < 0
                continue
            # Applied exactly when its key is new and the balance allows it.
            assert done == (moves[0].key not in applied), op
            if done:
                applied.add(moves[0].key)
                model_balance += delta
        async with database.transaction() as session:
            entries = (
                await session.execute(
                    select(
                        func.count(),
                        func.count(func.distinct(LedgerEntry.idempotency_key)),
                        func.coalesce(func.sum(LedgerEntry.amount_cents), 0),
                    ).where(LedgerEntry.user_id == user_id)
                )
            ).one()
            balance = await balance_of(session, user_id)
        count, distinct, total = entries
        assert count == distinct
        assert balance == total == model_balance >= 0
    finally:
        await database.dispose()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(operations=st.lists(OPERATIONS, max_size=25))
def test_any_sequence_keeps_balance_equal_to_entries_and_never_negative(database_url, operations):
    asyncio.run(run(database_url, next(USERS), operations))


def test_a_debit_beyond_the_balance_changes_nothing(database_url):
    async def scenario() -> None:
        database = Database(database_url)
        user_id = next(USERS)
        try:
            async with database.transaction() as session:
                now = utcnow()
                session.add(
                    User(
                        id=user_id,
                        first_name="L",
                        is_blocked=False,
                        created_at=now,
                        last_seen_at=now,
                    )
                )
            async with database.write_transaction() as session:
                assert await apply(session, user_id, *movements(("top_up", "t1", 1000)))
            with pytest.raises(InsufficientFunds) as short:
                async with database.write_transaction() as session:
                    await apply(session, user_id, *movements(("hold", "o1", 1500)))
            assert (short.value.balance_cents, short.value.needed_cents) == (1000, 1500)
            async with database.transaction() as session:
                assert await balance_of(session, user_id) == 1000
                assert await session.get(Balance, user_id) is not None
        finally:
            await database.dispose()

    asyncio.run(scenario())
