"""Engine, sessions and the SQLite write gate.

SQLite has one writer for the whole file. Sessions are created with autoflush off, so an
update's writes reach the database only at commit, and commits in this process pass through
one asyncio lock: writers queue here in microseconds instead of spinning in SQLite's busy
handler, and no write lock is ever held across a network call.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, nullcontext
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from shipbot.db.sqlite_inline import inline_connector

SQLITE_POOL_SIZE = 4
SQLITE_BUSY_TIMEOUT_S = 30  # how long a statement waits for another process's write lock


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


class Database:
    def __init__(self, url: str, *, pool_size: int = 20, max_overflow: int = 100) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        if self.is_sqlite:
            database = make_url(url).database
            if database and database != ":memory:":
                Path(database).parent.mkdir(parents=True, exist_ok=True)
            # Statements run on the event loop (sqlite_inline); a few connections are plenty
            # when they are held only to load and to commit. Sessions always end in an
            # explicit commit or rollback, so the pool's reset-on-return ROLLBACK is skipped.
            self.engine: AsyncEngine = create_async_engine(
                url,
                async_creator=inline_connector(database or ":memory:", SQLITE_BUSY_TIMEOUT_S),
                pool_size=SQLITE_POOL_SIZE,
                max_overflow=0,
                pool_timeout=60,
                pool_reset_on_return=None,
            )
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        else:
            self.engine = create_async_engine(
                url, pool_size=pool_size, max_overflow=max_overflow, pool_pre_ping=True
            )
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False, autoflush=False)
        self._write_gate = asyncio.Lock() if self.is_sqlite else None

    def write_gate(self) -> asyncio.Lock | nullcontext:
        """Hold while flushing and committing (a no-op on PostgreSQL)."""
        return self._write_gate or nullcontext()

    async def commit(self, session: AsyncSession) -> None:
        # Take a pooled connection before the gate: waiting for one while holding the gate
        # would deadlock against sessions that hold a connection and wait for the gate.
        await session.connection()
        async with self.write_gate():
            await session.commit()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A short unit of work outside an update: commit on success, roll back on error."""
        async with self.sessions() as session:
            try:
                yield session
                await self.commit(session)
            except BaseException:
                await session.rollback()
                raise

    @asynccontextmanager
    async def write_transaction(self) -> AsyncIterator[AsyncSession]:
        """A unit of work whose statements write as they go (money moves): on SQLite it holds
        the write gate from start to commit, so it never meets another writer of this
        process mid-way. Keep it short and free of network calls."""
        async with self.sessions() as session:
            await session.connection()  # before the gate, as in commit()
            async with self.write_gate():
                try:
                    yield session
                    await session.commit()
                except BaseException:
                    await session.rollback()
                    raise

    async def dispose(self) -> None:
        await self.engine.dispose()
