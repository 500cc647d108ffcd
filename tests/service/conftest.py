"""One SQLite database migrated to the head per session, copied for each test that needs an
empty one: a test then pays for a file copy, not for the whole migration history."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest

from shipbot.db import migrate
from shipbot.db.database import Database


@pytest.fixture(scope="session")
def migrated_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("migrated") / "template.sqlite"

    async def prepare() -> None:
        database = Database(f"sqlite+aiosqlite:///{path}")
        try:
            await migrate.upgrade(database)
        finally:
            await database.dispose()

    asyncio.run(prepare())
    return path


@pytest.fixture
def migrated_url(migrated_file: Path, tmp_path: Path) -> str:
    """The URL of this test's own copy of the migrated database."""
    copy = tmp_path / "db.sqlite"
    shutil.copy(migrated_file, copy)
    return f"sqlite+aiosqlite:///{copy}"
