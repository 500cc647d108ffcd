"""When each background job last ran (SPEC §4, monitoring). The runs are recorded in the
database, not in memory: only the leading replica runs the jobs, and the panel of any replica
must see them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as postgres_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from shipbot.db.database import Database
from shipbot.db.models import JobRun, utcnow

INVOICE_POLLER = "invoice_poller"
PURCHASE_RECONCILER = "purchase_reconciler"
HOUSEKEEPING = "housekeeping"
STATS_ROLLUP = "stats_rollup"
JOBS = (INVOICE_POLLER, PURCHASE_RECONCILER, HOUSEKEEPING, STATS_ROLLUP)  # as the panel lists them
MAX_ERROR = 500


@asynccontextmanager
async def recording(database: Database, job: str) -> AsyncIterator[None]:
    """Record that one run of `job` started, then that it finished and what it raised (the
    exception goes on). A cancelled run (a shutdown) stays started and not finished."""
    await _record(database, job, last_started_at=utcnow())
    try:
        yield
    except Exception as error:
        await _record(database, job, last_finished_at=utcnow(), last_error=describe(error))
        raise
    await _record(database, job, last_finished_at=utcnow(), last_error=None)


def describe(error: Exception) -> str:
    """One line: providers' errors carry a `message` meant to be shown."""
    text = getattr(error, "message", "") or str(error)
    return " ".join(f"{type(error).__name__}: {text}".split())[:MAX_ERROR]


async def _record(database: Database, job: str, **values: object) -> None:
    # Written as it goes, so inside the write gate (see Database.write_transaction).
    async with database.write_transaction() as session:
        insert = sqlite_insert if database.is_sqlite else postgres_insert
        await session.execute(
            insert(JobRun)
            .values(job=job, **values)
            .on_conflict_do_update(index_elements=["job"], set_=values)
        )


async def last_runs(session: AsyncSession) -> dict[str, JobRun]:
    """Every job that ever ran, by name."""
    return {run.job: run for run in await session.scalars(select(JobRun))}
