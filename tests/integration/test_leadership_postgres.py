"""One replica at a time runs the background jobs on PostgreSQL; another takes over when the
leader's connection ends (issue 9)."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text

from shipbot.bot.runtime import leadership
from shipbot.config import load_settings
from shipbot.db.database import Database

pytestmark = pytest.mark.postgres
RETRY = 0.05


class Job:
    """A background loop that records that it runs and whether it was stopped."""

    def __init__(self) -> None:
        self.started = asyncio.Event()
        self.stopped = asyncio.Event()

    async def __call__(self) -> None:
        self.started.set()
        try:
            await asyncio.Event().wait()
        finally:
            self.stopped.set()


async def leader_backends(database: Database) -> list[int]:
    namespace, kind = leadership.LEADER_LOCK
    async with database.engine.connect() as connection:
        rows = await connection.execute(
            text(
                "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted"
                " AND classid = :namespace AND objid = :kind AND objsubid = 2"
            ),
            {"namespace": namespace, "kind": kind},
        )
        return [pid for (pid,) in rows]


def test_one_leader_and_a_takeover_when_it_goes(postgres_url):
    url = load_settings(_env_file=None, database_url=postgres_url).database_url

    async def scenario() -> None:
        replicas = [Database(url, pool_size=2, max_overflow=0) for _ in range(3)]
        jobs = [Job() for _ in replicas]
        tasks = [
            asyncio.create_task(leadership.lead(database, [job], retry_seconds=RETRY))
            for database, job in zip(replicas, jobs, strict=True)
        ]
        try:
            await asyncio.wait_for(jobs[0].started.wait(), 30)
            # The others keep trying (many rounds of RETRY) and stay followers.
            await asyncio.sleep(40 * RETRY)
            assert [job.started.is_set() for job in jobs] == [True, False, False]
            assert len(await leader_backends(replicas[0])) == 1

            # The leader dies: its connection ends, and exactly one other takes over.
            tasks[0].cancel()
            await asyncio.wait_for(jobs[0].stopped.wait(), 30)
            await asyncio.wait_for(
                asyncio.wait(
                    [asyncio.create_task(job.started.wait()) for job in jobs[1:]],
                    return_when=asyncio.FIRST_COMPLETED,
                ),
                30,
            )
            await asyncio.sleep(40 * RETRY)
            assert sum(job.started.is_set() for job in jobs[1:]) == 1

            # A leader whose connection is cut stops its jobs; a follower takes over.
            new = 1 if jobs[1].started.is_set() else 2
            other = 3 - new
            (pid,) = await leader_backends(replicas[other])
            async with replicas[other].engine.connect() as connection:
                await connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            await asyncio.wait_for(jobs[new].stopped.wait(), 30)
            await asyncio.wait_for(jobs[other].started.wait(), 30)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            for database in replicas:
                await database.dispose()

    asyncio.run(scenario())
