"""Migrations that rewrite existing rows, run on SQLite and on PostgreSQL against a database
that holds such rows."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from alembic import command

from shipbot.config import load_settings
from shipbot.db.database import Database
from shipbot.db.migrate import alembic_config
from shipbot.db.models import UtcDateTime

PURCHASED = datetime(2026, 11, 1, 12, tzinfo=UTC)


def upgrade_to(connection: sa.Connection, revision: str) -> None:
    command.upgrade(_config_on(connection), revision)


def downgrade_to(connection: sa.Connection, revision: str) -> None:
    command.downgrade(_config_on(connection), revision)


def _config_on(connection: sa.Connection):
    config = alembic_config()
    config.attributes["connection"] = connection
    return config


def add_orders(connection: sa.Connection) -> None:
    connection.execute(
        sa.text(
            "INSERT INTO users (id, first_name, is_blocked, created_at, last_seen_at)"
            " VALUES (1, 'Ann', false, :now, :now)"
        ),
        {"now": PURCHASED},
    )
    insert = sa.text(
        "INSERT INTO orders (id, user_id, status, shipment, rate, price_cents, quote_id,"
        " quote_expires_at, created_at, updated_at, purchased_at)"
        " VALUES (:id, 1, 'purchased', :shipment, :rate, 500, 'q', :now, :now, :now, :bought)"
    ).bindparams(sa.bindparam("shipment", type_=sa.JSON), sa.bindparam("rate", type_=sa.JSON))
    for order_id, carrier, bought in (
        ("UPS1", "ups", PURCHASED),
        ("USPS1", "usps", PURCHASED),
        ("QUOTED1", "usps", None),
    ):
        connection.execute(
            insert,
            {
                "id": order_id,
                "shipment": {},
                "rate": {"carrier_code": carrier},
                "now": PURCHASED,
                "bought": bought,
            },
        )


def deadlines(connection: sa.Connection) -> dict:
    query = sa.text("SELECT id, refund_deadline FROM orders").columns(
        sa.column("id", sa.String), sa.column("refund_deadline", UtcDateTime())
    )
    return dict(connection.execute(query).all())


@pytest.mark.parametrize(
    "dialect", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def test_labels_bought_before_refund_windows_were_a_setting_get_their_deadline(
    dialect, tmp_path, request
):
    url = (
        request.getfixturevalue("postgres_url")
        if dialect == "postgres"
        else f"sqlite:///{tmp_path / 'old.db'}"
    )
    database = Database(load_settings(_env_file=None, database_url=url).database_url)

    async def scenario() -> dict:
        try:
            async with database.engine.begin() as connection:
                await connection.run_sync(upgrade_to, "0008")
                await connection.run_sync(add_orders)
            async with database.engine.begin() as connection:
                await connection.run_sync(upgrade_to, "head")
                return await connection.run_sync(deadlines)
        finally:
            await database.dispose()

    found = asyncio.run(scenario())
    assert found["UPS1"] == datetime(2027, 1, 30, 12, tzinfo=UTC)
    assert found["USPS1"] == datetime(2026, 11, 29, 12, tzinfo=UTC)
    assert found["QUOTED1"] is None


def shop_settings_schema(connection: sa.Connection) -> tuple[set[str], list[tuple], set[str]]:
    inspector = sa.inspect(connection)
    tables = set(inspector.get_table_names())
    rows = (
        connection.execute(sa.text("SELECT id, version, edits FROM shop_settings")).all()
        if "shop_settings" in tables
        else []
    )
    indexes = {
        index["name"]
        for table in ("ledger_entries", "users", "rate_quotes", "orders", "invoices", "refunds")
        for index in inspector.get_indexes(table)
    }
    return tables, [tuple(row) for row in rows], indexes


DASHBOARD_INDEXES = {
    "ix_ledger_entries_kind_created",
    "ix_users_created_at",
    "ix_users_last_seen_at",
    "ix_rate_quotes_created_at",
    "ix_orders_created_at",
    "ix_invoices_created_at",
    "ix_refunds_created_at",
}


def test_0015_adds_the_settings_row_and_the_dashboard_indexes_and_reverts(tmp_path):
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'settings.db'}")

    async def scenario() -> None:
        try:
            async with database.engine.begin() as connection:
                await connection.run_sync(upgrade_to, "0014")
                await connection.run_sync(add_orders)
                await connection.run_sync(upgrade_to, "0015")
                tables, rows, indexes = await connection.run_sync(shop_settings_schema)
                assert "shop_settings" in tables
                assert [(row_id, version) for row_id, version, _ in rows] == [(1, 0)]
                assert indexes >= DASHBOARD_INDEXES
                await connection.run_sync(downgrade_to, "0014")
                tables, _, indexes = await connection.run_sync(shop_settings_schema)
                assert "shop_settings" not in tables and not indexes & DASHBOARD_INDEXES
                assert (
                    await connection.execute(sa.text("SELECT count(*) FROM orders"))
                ).scalar() == 3
        finally:
            await database.dispose()

    asyncio.run(scenario())
