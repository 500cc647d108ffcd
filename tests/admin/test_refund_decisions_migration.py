"""Migration 0017 adds the operator's decision to `refunds` in place: a refund recorded before
it is kept, undecided, and kept again when it is reverted."""

from __future__ import annotations

import sqlalchemy as sa

from shipbot.db.database import Database
from tests.admin.test_migration import migrate_to

DECISION_COLUMNS = {"decision", "decided_at", "decided_by", "note"}


def add_refused_refund(connection: sa.Connection) -> None:
    now = "2026-11-01 12:00:00.000000"
    connection.execute(
        sa.text(
            "INSERT INTO users (id, first_name, is_blocked, discount_percent, created_at,"
            " last_seen_at) VALUES (7, 'Ann', false, 0, :now, :now)"
        ),
        {"now": now},
    )
    connection.execute(
        sa.text(
            "INSERT INTO orders (id, user_id, status, shipment, rate, price_cents, quote_id,"
            " quote_expires_at, created_at, updated_at) VALUES ('O1', 7, 'purchased', '{}',"
            " '{}', 500, 'q', :now, :now, :now)"
        ),
        {"now": now},
    )
    connection.execute(
        sa.text(
            "INSERT INTO refunds (id, order_id, user_id, status, amount_cents, carrier_message,"
            " created_at) VALUES ('R1', 'O1', 7, 'refused', 0, 'scanned', :now)"
        ),
        {"now": now},
    )


def refund_state(connection: sa.Connection) -> tuple[set[str], list[tuple]]:
    columns = {column["name"] for column in sa.inspect(connection).get_columns("refunds")}
    rows = connection.execute(sa.text("SELECT id, status, carrier_message FROM refunds")).all()
    return columns, [tuple(row) for row in rows]


async def test_0017_upgrades_and_downgrades_around_an_existing_refund(tmp_path):
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'migrations.db'}")
    kept = [("R1", "refused", "scanned")]
    try:
        async with database.engine.begin() as connection:
            await connection.run_sync(migrate_to, "0016")
            await connection.run_sync(add_refused_refund)
            await connection.run_sync(migrate_to, "0017")
            columns, rows = await connection.run_sync(refund_state)
            assert columns >= DECISION_COLUMNS and rows == kept
            decision = await connection.execute(sa.text("SELECT decision FROM refunds"))
            assert decision.scalar() is None
            await connection.run_sync(migrate_to, "0016", down=True)
            columns, rows = await connection.run_sync(refund_state)
            assert not columns & DECISION_COLUMNS and rows == kept
            orders = await connection.execute(sa.text("SELECT count(*) FROM orders"))
            assert orders.scalar() == 1
    finally:
        await database.dispose()
