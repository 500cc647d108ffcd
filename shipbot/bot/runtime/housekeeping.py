"""Periodic clean-up: dedup records only need to outlive Telegram's redelivery window (24 h);
ended admin sessions and old failed logins are of no further use. Beside it, the dashboard's
daily roll-up (services/stats_rollup.py): a round every few seconds while closed days are left
to roll up, then every ROLL_UP_EVERY_SECONDS for the day that closes next."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from sqlalchemy import delete

from shipbot.db.database import Database
from shipbot.db.models import ProcessedUpdate, utcnow
from shipbot.services import admin_sessions, stats_rollup
from shipbot.services.job_runs import HOUSEKEEPING, STATS_ROLLUP, recording

log = logging.getLogger(__name__)

KEEP_PROCESSED_UPDATES = timedelta(days=7)
PRUNE_EVERY_SECONDS = 3600
ROLL_UP_EVERY_SECONDS = 600
ROLL_UP_BACKLOG_SECONDS = 5  # between rounds while older days are left


async def prune_processed_updates(
    database: Database, keep: timedelta = KEEP_PROCESSED_UPDATES
) -> int:
    # The DELETE writes as it goes: inside the write gate, or it would hold SQLite's write lock
    # while waiting for the gate, against a money move holding the gate and waiting for the lock.
    async with database.write_transaction() as session:
        result = await session.execute(
            delete(ProcessedUpdate).where(ProcessedUpdate.processed_at < utcnow() - keep)
        )
    return result.rowcount or 0


async def run_housekeeping(database: Database) -> None:
    while True:
        try:
            async with recording(database, HOUSEKEEPING):
                if removed := await prune_processed_updates(database):
                    log.info("pruned %d old dedup records", removed)
                if removed := await admin_sessions.prune_ended(database):
                    log.info("pruned %d ended admin sessions and old login failures", removed)
        except Exception:
            log.exception("housekeeping failed; will retry")
        await asyncio.sleep(PRUNE_EVERY_SECONDS)


async def run_stats_rollup(database: Database) -> None:
    while True:
        left = 0
        try:
            async with recording(database, STATS_ROLLUP):
                done = await stats_rollup.roll_up_closed_days(database)
                left = done.left
                if done.rolled_up:
                    log.info(
                        "rolled up %d days of dashboard figures (%s to %s), %d left",
                        len(done.rolled_up),
                        done.rolled_up[-1],
                        done.rolled_up[0],
                        left,
                    )
        except Exception:
            log.exception("the dashboard roll-up failed; will retry")
        await asyncio.sleep(ROLL_UP_BACKLOG_SECONDS if left else ROLL_UP_EVERY_SECONDS)
