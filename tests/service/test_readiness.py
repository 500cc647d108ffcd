"""/readyz: ready only when the database answers, its schema is at the newest migration, and
the server is not draining for a shutdown."""

from types import SimpleNamespace

import httpx
from fastapi import FastAPI

from shipbot.db import migrate
from shipbot.db.database import Database
from shipbot.web import operations
from shipbot.web.draining import Drain


async def readyz(database: Database, drain: Drain | None = None) -> httpx.Response:
    app = FastAPI()
    app.include_router(operations.router)
    app.state.runtime = SimpleNamespace(database=database)
    app.state.drain = drain or Drain()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://t") as client:
        return await client.get("/readyz")


async def test_not_ready_until_migrated_then_ready(tmp_path):
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}")
    try:
        pending = await readyz(database)
        assert pending.status_code == 503
        assert pending.json() == {
            "status": "migrations pending",
            "current": None,
            "head": migrate.head_revision(),
        }

        await migrate.upgrade(database)
        ready = await readyz(database)
        assert ready.status_code == 200 and ready.json() == {
            "status": "ready",
            "revision": migrate.head_revision(),
        }
    finally:
        await database.dispose()


async def test_not_ready_while_draining(tmp_path):
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}")
    try:
        await migrate.upgrade(database)
        drain = Drain()
        drain.begin()
        response = await readyz(database, drain)
        assert (response.status_code, response.json()) == (503, {"status": "draining"})
    finally:
        await database.dispose()


async def test_not_ready_when_the_database_does_not_answer(caplog):
    from tests.support.net import free_port

    port = free_port()
    database = Database(f"postgresql+asyncpg://postgres@127.0.0.1:{port}/nothing")
    try:
        response = await readyz(database)
        assert response.status_code == 503
        # The driver's error names the host and port: it goes to the log, not to the caller.
        assert response.json() == {"status": "unavailable", "database": "unreachable"}
        assert str(port) in caplog.text
    finally:
        await database.dispose()
