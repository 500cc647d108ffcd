"""The background jobs' run record (services/job_runs.py) on a real SQLite database: a run's
start and end, the error a failed run raised (passed on to the job), a cancelled run left
started, and all of it seen through a second Database on the same file, as the panel of
another replica sees the leader's runs; on PostgreSQL too (marked `postgres`). Also: the
housekeeping loop records its rounds."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from shipbot.bot.runtime.housekeeping import run_housekeeping
from shipbot.db import migrate
from shipbot.db.database import Database
from shipbot.db.models import JobRun, utcnow
from shipbot.providers.carriers.base import CarrierUnavailable
from shipbot.services import job_runs
from shipbot.services.job_runs import HOUSEKEEPING, INVOICE_POLLER, recording
from tests.support.postgres import PostgresCluster


@pytest.fixture
async def leader(tmp_path) -> AsyncIterator[Database]:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'jobs.db'}")
    await migrate.upgrade(database)
    yield database
    await database.dispose()


@pytest.fixture
async def other_replica(leader) -> AsyncIterator[Database]:
    """Another Database on the same file: what the panel of another process reads."""
    database = Database(leader.url)
    yield database
    await database.dispose()


async def run_of(database: Database, job: str) -> JobRun | None:
    async with database.sessions() as session:
        return (await job_runs.last_runs(session)).get(job)


async def test_a_run_is_recorded_as_started_then_finished(leader, other_replica):
    before = utcnow()
    async with recording(leader, INVOICE_POLLER):
        during = await run_of(other_replica, INVOICE_POLLER)
    run = await run_of(other_replica, INVOICE_POLLER)

    assert during.last_started_at >= before and during.last_finished_at is None
    assert run.last_started_at == during.last_started_at
    assert run.last_finished_at >= run.last_started_at
    assert run.last_error is None
    assert await run_of(other_replica, HOUSEKEEPING) is None  # never ran


async def test_a_failed_run_records_its_error_and_the_job_still_sees_it(leader, other_replica):
    with pytest.raises(CarrierUnavailable):
        async with recording(leader, INVOICE_POLLER):
            raise CarrierUnavailable("ShipStation did not answer in time.")
    failed = await run_of(other_replica, INVOICE_POLLER)
    assert failed.last_error == "CarrierUnavailable: ShipStation did not answer in time."
    assert failed.last_finished_at >= failed.last_started_at

    async with recording(leader, INVOICE_POLLER):
        pass
    succeeded = await run_of(other_replica, INVOICE_POLLER)
    assert succeeded.last_error is None  # it describes the last finished run
    assert succeeded.last_started_at > failed.last_started_at


async def test_a_long_error_is_kept_to_one_line_and_a_bounded_length(leader):
    with pytest.raises(ValueError):
        async with recording(leader, HOUSEKEEPING):
            raise ValueError("line one\nline two " + "x" * 1000)
    error = (await run_of(leader, HOUSEKEEPING)).last_error
    assert error.startswith("ValueError: line one line two xxx")
    assert len(error) == job_runs.MAX_ERROR


async def test_a_cancelled_run_stays_started_and_unfinished(leader, other_replica):
    async with recording(leader, HOUSEKEEPING):
        pass
    finished = await run_of(leader, HOUSEKEEPING)
    inside = asyncio.Event()

    async def job() -> None:
        async with recording(leader, HOUSEKEEPING):
            inside.set()
            await asyncio.sleep(60)

    task = asyncio.create_task(job())
    await inside.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    cut = await run_of(other_replica, HOUSEKEEPING)
    assert cut.last_started_at > finished.last_finished_at
    assert cut.last_finished_at == finished.last_finished_at  # the cut run never finished


async def test_the_housekeeping_loop_records_each_round(leader, other_replica):
    loop = asyncio.create_task(run_housekeeping(leader))
    try:
        async with asyncio.timeout(10):
            while (run := await run_of(other_replica, HOUSEKEEPING)) is None or (
                run.last_finished_at is None
            ):
                await asyncio.sleep(0.02)
    finally:
        loop.cancel()
        with pytest.raises(asyncio.CancelledError):
            await loop
    assert run.last_error is None


@pytest.mark.postgres
def test_runs_are_recorded_and_read_across_replicas_on_postgresql():
    cluster = PostgresCluster().start()

    async def scenario() -> None:
        url = cluster.url.replace("postgresql://", "postgresql+asyncpg://")
        leader, other_replica = Database(url), Database(url)
        try:
            await migrate.upgrade(leader)
            async with recording(leader, INVOICE_POLLER):
                pass
            succeeded = await run_of(other_replica, INVOICE_POLLER)
            with pytest.raises(RuntimeError):
                async with recording(leader, INVOICE_POLLER):
                    raise RuntimeError("boom")
            failed = await run_of(other_replica, INVOICE_POLLER)
        finally:
            await leader.dispose()
            await other_replica.dispose()
        assert succeeded.last_error is None
        assert succeeded.last_finished_at >= succeeded.last_started_at
        assert failed.last_error == "RuntimeError: boom"
        assert failed.last_started_at > succeeded.last_finished_at

    try:
        asyncio.run(scenario())
    finally:
        cluster.stop()
