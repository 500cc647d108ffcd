"""Migration 0014 applies and reverts on a database holding users and their rows, without
touching them (on SQLite a copied `users` table would cascade deletes through its children);
on PostgreSQL too, where a trigger keeps the audit log append-only."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy.exc import DBAPIError

from shipbot.config import load_settings
from shipbot.db.database import Database
from shipbot.db.migrate import alembic_config
from shipbot.services import audit
from shipbot.services.audit import COMMAND_LINE
from tests.support.postgres import PostgresCluster

ADMIN_TABLES = {"admin_accounts", "admin_sessions", "admin_login_failures", "audit_log"}


def migrate_to(connection: sa.Connection, revision: str, *, down: bool = False) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    (command.downgrade if down else command.upgrade)(config, revision)


def add_user_with_address(connection: sa.Connection) -> None:
    connection.execute(
        sa.text(
            "INSERT INTO users (id, first_name, is_blocked, discount_percent, created_at,"
            " last_seen_at) VALUES (7, 'Ann', false, 0, '2026-11-01', '2026-11-01')"
        )
    )
    connection.execute(
        sa.text(
            "INSERT INTO saved_addresses (user_id, label, name, street1, city, state, zip,"
            " is_default_sender, created_at, updated_at) VALUES (7, 'home', 'Ann',"
            " '1 Main St', 'Austin', 'TX', '78701', false, '2026-11-01', '2026-11-01')"
        )
    )


def schema(connection: sa.Connection) -> tuple[set[str], set[str], int]:
    inspector = sa.inspect(connection)
    user_columns = {column["name"] for column in inspector.get_columns("users")}
    addresses = connection.execute(sa.text("SELECT count(*) FROM saved_addresses")).scalar()
    return set(inspector.get_table_names()), user_columns, addresses


async def test_0014_upgrades_and_downgrades_around_existing_rows(tmp_path):
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'migrations.db'}")
    try:
        async with database.engine.begin() as connection:
            await connection.run_sync(migrate_to, "0013")
            await connection.run_sync(add_user_with_address)
            await connection.run_sync(migrate_to, "0014")
            tables, columns, addresses = await connection.run_sync(schema)
            assert tables >= ADMIN_TABLES
            assert "blocked_bot_at" in columns
            assert addresses == 1

            await connection.run_sync(lambda sync: migrate_to(sync, "0013", down=True))
            tables, columns, addresses = await connection.run_sync(schema)
            assert not ADMIN_TABLES & tables
            assert "blocked_bot_at" not in columns
            assert addresses == 1
    finally:
        await database.dispose()


@pytest.mark.postgres
async def test_on_postgresql_the_audit_log_refuses_changes_and_0014_reverts():
    cluster = PostgresCluster().start()
    database = Database(load_settings(_env_file=None, database_url=cluster.url).database_url)
    try:
        async with database.engine.begin() as connection:
            await connection.run_sync(migrate_to, "head")
        async with database.transaction() as session:
            audit.record(session, COMMAND_LINE, "test.entry")
        for statement in ("UPDATE audit_log SET reason = 'covered up'", "DELETE FROM audit_log"):
            with pytest.raises(DBAPIError, match="append-only"):
                async with database.transaction() as session:
                    await session.execute(sa.text(statement))
        async with database.engine.begin() as connection:
            await connection.run_sync(lambda sync: migrate_to(sync, "0013", down=True))
            tables, columns, _ = await connection.run_sync(schema)
        assert not ADMIN_TABLES & tables and "blocked_bot_at" not in columns
        async with database.engine.begin() as connection:
            await connection.run_sync(migrate_to, "head")  # the function is gone with it
    finally:
        await database.dispose()
        cluster.stop()
