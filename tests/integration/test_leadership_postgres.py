"""One replica at a time runs the background jobs on PostgreSQL; another takes over when the
leader's connection ends or its process is killed (issue 9)."""

from __future__ import annotations

import asyncio
import time

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


async def first_to_start(jobs: list[Job], candidates) -> int:
    """The index of the first of `candidates` whose job starts."""
    waits = {asyncio.create_task(jobs[n].started.wait()): n for n in candidates}
    done, pending = await asyncio.wait(waits, timeout=30, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
    assert done, "no job started"
    return waits[next(iter(done))]


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
            # Whichever takes the lock first leads; the others keep trying and stay followers.
            leader = await first_to_start(jobs, range(3))
            await asyncio.sleep(40 * RETRY)
            assert [job.started.is_set() for job in jobs].count(True) == 1
            assert len(await leader_backends(replicas[leader])) == 1

            # The leader goes: its connection ends, and exactly one other takes over.
            tasks[leader].cancel()
            await asyncio.wait_for(jobs[leader].stopped.wait(), 30)
            followers = [n for n in range(3) if n != leader]
            new = await first_to_start(jobs, followers)
            await asyncio.sleep(40 * RETRY)
            assert [jobs[n].started.is_set() for n in followers].count(True) == 1

            # A leader whose connection is cut stops its jobs; the last one takes over.
            (last,) = (n for n in followers if n != new)
            (pid,) = await leader_backends(replicas[last])
            async with replicas[last].engine.connect() as connection:
                await connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            await asyncio.wait_for(jobs[new].stopped.wait(), 30)
            await asyncio.wait_for(jobs[last].started.wait(), 30)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            for database in replicas:
                await database.dispose()

    asyncio.run(scenario())


LEADS = "this process leads the background jobs"


def leading(servers) -> list:
    return [server for server in servers if LEADS in server.log()]


def test_a_killed_leader_process_is_replaced_by_another_replica(start_bot, postgres_url):
    replicas = [start_bot(database_url=postgres_url) for _ in range(2)]
    deadline = time.monotonic() + 30
    while not leading(replicas):
        assert time.monotonic() < deadline, "no replica took the lead"
        time.sleep(0.1)
    time.sleep(2 * leadership.RETRY_SECONDS)  # the follower has tried, and failed, meanwhile
    (leader,) = leading(replicas)
    (follower,) = (server for server in replicas if server is not leader)

    leader.kill()  # SIGKILL: no clean-up; PostgreSQL frees the lock with the connection
    deadline = time.monotonic() + 6 * leadership.RETRY_SECONDS
    while LEADS not in follower.log():
        assert time.monotonic() < deadline, f"the follower did not take over:\n{follower.log()}"
        time.sleep(0.1)
