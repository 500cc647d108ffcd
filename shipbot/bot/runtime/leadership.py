"""One replica at a time runs the background jobs (the invoice poller, purchase
reconciliation, housekeeping), so N replicas do not each ask the provider about every open
invoice.

On PostgreSQL the leader is the process holding a session-level advisory lock on a
connection of its own. The others try again every few seconds; when the leader dies,
PostgreSQL ends its connection and frees the lock, and the next try takes over. A leader
that loses its connection stops its jobs at once. Leadership saves work; it is not what makes
the jobs correct: each of them is exactly-once by itself, so the moment two replicas may both
run them while a dead connection is noticed costs nothing but a duplicate provider call.

SQLite has one server process, which always leads.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection

from shipbot.db.database import Database

log = logging.getLogger(__name__)

Job = Callable[[], Awaitable[None]]
# The two-integer advisory key space is apart from the one-bigint keys of the chat locks.
LEADER_LOCK = (0x5348_4950, 1)  # ("SHIP", background jobs)
RETRY_SECONDS = 5.0


async def lead(database: Database, jobs: Sequence[Job], retry_seconds: float = RETRY_SECONDS):
    """Run `jobs` (each a loop that runs forever) whenever this process is the leader."""
    if database.is_sqlite:
        await _run_all(jobs)
        return
    while True:
        try:
            async with database.engine.connect() as connection:
                if await _try_lock(connection):
                    log.info("this process leads the background jobs")
                    try:
                        await _lead_while_connected(connection, jobs, retry_seconds)
                    finally:
                        # Closed, not pooled: a pooled connection would keep the lock.
                        await connection.invalidate()
                    log.warning("lost the leadership of the background jobs")
        except (OperationalError, DBAPIError, OSError) as error:
            log.warning("leadership: database unavailable (%s); trying again", error)
        await asyncio.sleep(retry_seconds)


async def _try_lock(connection: AsyncConnection) -> bool:
    namespace, kind = LEADER_LOCK
    taken = await connection.scalar(
        text("SELECT pg_try_advisory_lock(:namespace, :kind)"),
        {"namespace": namespace, "kind": kind},
    )
    await connection.commit()  # the lock is the session's: it outlives the transaction
    return bool(taken)


async def _lead_while_connected(
    connection: AsyncConnection, jobs: Sequence[Job], every_seconds: float
) -> None:
    running = asyncio.create_task(_run_all(jobs))
    try:
        while not running.done():
            await asyncio.sleep(every_seconds)
            try:
                await connection.execute(text("SELECT 1"))
                await connection.commit()
            except (OperationalError, DBAPIError, OSError):
                return  # the lock went with the connection: someone else may lead now
    finally:
        running.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await running


async def _run_all(jobs: Sequence[Job]) -> None:
    await asyncio.gather(*(job() for job in jobs))
