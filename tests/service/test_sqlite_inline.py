"""SQLite statements run on the event loop; only a writing commit and a wait for another
process's lock go to a thread, so neither blocks the loop."""

from __future__ import annotations

import asyncio
import sqlite3
import threading

import pytest
from sqlalchemy import text

from shipbot.db.database import Database


@pytest.fixture
async def database(tmp_path):
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'inline.db'}")
    async with db.transaction() as session:
        await session.execute(text("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)"))
    yield db
    await db.dispose()


async def test_statements_run_on_the_loop_and_only_the_writing_commit_in_a_thread(database):
    ran_in: list[tuple[str, bool]] = []
    loop_thread = threading.get_ident()
    async with database.sessions() as session:
        raw = (await (await session.connection()).get_raw_connection()).driver_connection
        raw._conn.set_trace_callback(
            lambda sql: ran_in.append((sql.split()[0], threading.get_ident() == loop_thread))
        )
        await session.execute(text("SELECT count(*) FROM notes"))
        await session.execute(text("INSERT INTO notes (body) VALUES ('a')"))
        await database.commit(session)
        raw._conn.set_trace_callback(None)

    assert ran_in == [("SELECT", True), ("BEGIN", True), ("INSERT", True), ("COMMIT", False)]


async def test_a_write_waits_for_another_processs_lock_without_blocking_the_loop(
    database, tmp_path
):
    other = sqlite3.connect(tmp_path / "inline.db", check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")  # another process's writer holds the lock
    other.execute("INSERT INTO notes (body) VALUES ('theirs')")

    async def write() -> None:
        async with database.transaction() as session:
            await session.execute(text("INSERT INTO notes (body) VALUES ('ours')"))

    writing = asyncio.create_task(write())
    for _ in range(20):  # the loop keeps running other work while the write waits
        await asyncio.sleep(0.01)
    assert not writing.done()

    other.commit()
    other.close()
    await writing
    async with database.sessions() as session:
        bodies = (await session.scalars(text("SELECT body FROM notes ORDER BY id"))).all()
    assert bodies == ["theirs", "ours"]
