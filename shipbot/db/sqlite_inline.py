"""SQLite for SQLAlchemy's asyncio layer without a thread hand-off per statement.

aiosqlite runs each call of a connection in that connection's thread: every statement costs
two thread switches, and the threads fight the event loop for the GIL. An SQLite statement
takes microseconds, so this driver, which SQLAlchemy's aiosqlite dialect drives through
`async_creator`, runs them on the event loop itself. Only what can wait goes to a thread:

- a COMMIT that writes, which may run a WAL checkpoint (file writes and an fsync);
- a statement that met another connection's lock (SQLITE_BUSY; the connection's own busy
  timeout is 0, so SQLite never sleeps on the loop): it is retried in a thread until the
  lock is free or `busy_timeout_s` has passed, as SQLite's own busy handler would.

In this process writers already queue on the write gate (see database.py), so the retry is
for another process's writer (a second replica on the same file, an admin command).
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable
from typing import Any

BUSY_RETRY_SECONDS = 0.005


def _busy(error: sqlite3.OperationalError) -> bool:
    return getattr(error, "sqlite_errorcode", None) in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


class InlineCursor:
    def __init__(self, connection: InlineConnection) -> None:
        self._connection = connection
        self._cursor = connection._conn.cursor()

    async def __aenter__(self) -> InlineCursor:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self._cursor.close()

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value

    async def execute(self, sql: str, parameters: Any = ()) -> InlineCursor:
        await self._connection.run(self._cursor.execute, sql, parameters)
        return self

    async def executemany(self, sql: str, parameters: Any) -> InlineCursor:
        await self._connection.run(self._cursor.executemany, sql, parameters)
        return self

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list:
        return self._cursor.fetchmany(self._cursor.arraysize if size is None else size)

    async def fetchall(self) -> list:
        return self._cursor.fetchall()

    async def close(self) -> None:
        self._cursor.close()


class InlineConnection:
    """The part of aiosqlite's Connection that SQLAlchemy's adapter uses."""

    def __init__(self, connection: sqlite3.Connection, busy_timeout_s: float) -> None:
        self._conn = connection
        self._connection = connection  # the adapter checks it to tell an open connection
        self._busy_timeout_s = busy_timeout_s

    @property
    def isolation_level(self) -> str | None:
        return self._conn.isolation_level

    def cursor(self) -> InlineCursor:
        return InlineCursor(self)

    async def run(self, call: Callable[..., Any], *args: Any) -> Any:
        try:
            return call(*args)
        except sqlite3.OperationalError as error:
            if not _busy(error):
                raise
        return await asyncio.to_thread(self._call_until_free, call, args)

    def _call_until_free(self, call: Callable[..., Any], args: tuple) -> Any:
        deadline = time.monotonic() + self._busy_timeout_s
        while True:
            try:
                return call(*args)
            except sqlite3.OperationalError as error:
                if not _busy(error) or time.monotonic() > deadline:
                    raise
            time.sleep(BUSY_RETRY_SECONDS)

    async def commit(self) -> None:
        if self._conn.in_transaction:  # a read-only unit of work has nothing to write
            await asyncio.to_thread(self._call_until_free, self._conn.commit, ())

    async def rollback(self) -> None:
        self._conn.rollback()

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        self._conn.create_function(*args, **kwargs)

    async def close(self) -> None:
        self._conn.close()

    def stop(self) -> None:
        self._conn.close()


def inline_connector(database: str, busy_timeout_s: float) -> Callable[[], Any]:
    """An `async_creator` for create_async_engine."""

    async def connect() -> InlineConnection:
        # timeout=0: SQLite's busy handler would sleep on the event loop; see run().
        connection = sqlite3.connect(database, timeout=0, check_same_thread=False)
        return InlineConnection(connection, busy_timeout_s)

    return connect
