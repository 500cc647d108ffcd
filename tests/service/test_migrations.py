"""Migrations that rewrite existing rows, run against a database holding such rows."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime

from alembic import command
from sqlalchemy import create_engine

from shipbot.db.migrate import alembic_config

PURCHASED = "2026-11-01 12:00:00.000000"


def upgrade(url: str, revision: str) -> None:
    config = alembic_config()
    engine = create_engine(url)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
    engine.dispose()


def test_labels_bought_before_refund_windows_were_a_setting_get_their_deadline(tmp_path):
    path = tmp_path / "old.db"
    upgrade(f"sqlite:///{path}", "0008")
    with sqlite3.connect(path) as db:
        db.execute(
            "INSERT INTO users (id, first_name, is_blocked, created_at, last_seen_at)"
            " VALUES (1, 'Ann', 0, ?, ?)",
            (PURCHASED, PURCHASED),
        )
        for order_id, carrier, purchased_at in (
            ("UPS1", "ups", PURCHASED),
            ("USPS1", "usps", PURCHASED),
            ("QUOTED1", "usps", None),
        ):
            db.execute(
                "INSERT INTO orders (id, user_id, status, shipment, rate, price_cents, quote_id,"
                " quote_expires_at, created_at, updated_at, purchased_at)"
                " VALUES (?, 1, 'purchased', '{}', ?, 500, 'q', ?, ?, ?, ?)",
                (
                    order_id,
                    json.dumps({"carrier_code": carrier}),
                    PURCHASED,
                    PURCHASED,
                    PURCHASED,
                    purchased_at,
                ),
            )

    upgrade(f"sqlite:///{path}", "head")

    with sqlite3.connect(path) as db:
        deadlines = dict(db.execute("SELECT id, refund_deadline FROM orders").fetchall())
    assert datetime.fromisoformat(deadlines["UPS1"]) == datetime(2027, 1, 30, 12)
    assert datetime.fromisoformat(deadlines["USPS1"]) == datetime(2026, 11, 29, 12)
    assert deadlines["QUOTED1"] is None
