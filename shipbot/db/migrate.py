"""Apply Alembic migrations and tell whether the schema is current."""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection

from shipbot.db.database import Database

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).with_name("migrations")
# Replicas starting together must not run the same migration twice.
_MIGRATION_LOCK_KEY = 0x5348_4950_4D49_47  # "SHIPMIG"


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def _upgrade(connection: Connection) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": _MIGRATION_LOCK_KEY})
        connection.commit()
    try:
        command.upgrade(config, "head")
    finally:
        if connection.dialect.name == "postgresql":
            connection.execute(
                text("SELECT pg_advisory_unlock(:key)"), {"key": _MIGRATION_LOCK_KEY}
            )
            connection.commit()


async def upgrade(database: Database) -> None:
    async with database.engine.connect() as connection:
        await connection.run_sync(_upgrade)
        await connection.commit()
        log.info("database at migration %s", await connection.run_sync(_current))


def _current(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


async def current_revision(database: Database) -> str | None:
    async with database.engine.connect() as connection:
        return await connection.run_sync(_current)
