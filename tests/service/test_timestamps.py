"""Timestamps read back from SQLite are aware UTC, so they compare with utcnow()."""

from datetime import UTC, timedelta

from shipbot.db import migrate
from shipbot.db.database import Database
from shipbot.db.models import User, utcnow


async def test_timestamps_come_back_from_sqlite_aware_and_in_utc(tmp_path):
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}")
    try:
        await migrate.upgrade(database)
        written = utcnow() - timedelta(minutes=5)
        async with database.transaction() as session:
            session.add(
                User(
                    id=7,
                    first_name="Ann",
                    is_blocked=False,
                    created_at=written,
                    last_seen_at=written,
                )
            )
        async with database.sessions() as session:
            user = await session.get(User, 7)
        assert user.last_seen_at.tzinfo is not None
        assert user.last_seen_at.astimezone(UTC) == written
        assert utcnow() - user.last_seen_at >= timedelta(minutes=5)
    finally:
        await database.dispose()
