"""SQLite's write gate never deadlocks against a full connection pool: a session that already
holds a connection (it queried mid-update) and one that has none both get to commit."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select, update

from shipbot.bot.runtime.housekeeping import prune_processed_updates
from shipbot.db import migrate
from shipbot.db.database import SQLITE_POOL_SIZE, Database
from shipbot.db.models import ProcessedUpdate, User, utcnow


def user(user_id: int) -> User:
    now = utcnow()
    return User(id=user_id, first_name="U", is_blocked=False, created_at=now, last_seen_at=now)


async def test_commits_complete_when_every_pooled_connection_is_held(tmp_path):
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}")
    await migrate.upgrade(database)
    all_holding, writers_at_the_gate = asyncio.Event(), asyncio.Event()
    holding = 0

    async def queried_mid_update(user_id: int) -> None:
        nonlocal holding
        async with database.sessions() as session:
            await session.execute(select(1))  # now holds a pooled connection
            holding += 1
            if holding == SQLITE_POOL_SIZE:
                all_holding.set()
            await writers_at_the_gate.wait()
            session.add(user(user_id))
            await database.commit(session)

    async def wrote_only(user_id: int) -> None:
        await all_holding.wait()
        async with database.sessions() as session:
            session.add(user(user_id))
            writers_at_the_gate.set()  # the holders run only once this one waits in commit
            await database.commit(session)

    async def money_move(user_id: int) -> None:
        await all_holding.wait()
        async with database.write_transaction() as session:
            session.add(user(user_id))

    try:
        # The writers without a connection reach the gate first; before the fix they waited
        # for a connection inside the gate while every holder waited for the gate.
        await asyncio.wait_for(
            asyncio.gather(
                *(wrote_only(100 + n) for n in range(3)),
                money_move(200),
                *(queried_mid_update(n) for n in range(SQLITE_POOL_SIZE)),
            ),
            timeout=30,
        )
        async with database.sessions() as session:
            count = len((await session.scalars(select(User.id))).all())
        assert count == SQLITE_POOL_SIZE + 4
    finally:
        await database.dispose()


async def test_pruning_waits_for_the_gate_rather_than_lock_out_a_money_move(tmp_path):
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}")
    await migrate.upgrade(database)
    async with database.transaction() as session:
        session.add(ProcessedUpdate(update_id=1, chat_id=1, outcome="handled"))
        session.add(user(1))
    async with database.transaction() as session:
        await session.execute(
            update(ProcessedUpdate).values(processed_at=utcnow() - timedelta(days=30))
        )
    gate_held = asyncio.Event()

    async def money_move() -> None:
        async with database.write_transaction() as session:
            gate_held.set()
            await asyncio.sleep(0.5)  # a pruning that skipped the gate would write now
            session.add(user(2))

    async def prune() -> int:
        await gate_held.wait()
        return await prune_processed_updates(database)

    try:
        # Before the fix the money move's commit met the pruning's write lock and waited out
        # SQLite's 30 s busy timeout while the pruning waited for the gate.
        _, removed = await asyncio.wait_for(asyncio.gather(money_move(), prune()), timeout=20)
        assert removed == 1
    finally:
        await database.dispose()
