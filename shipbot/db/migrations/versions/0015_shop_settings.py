"""The shop's settings as owners edit them (one row, created empty: every field the
environment's until edited), and the indexes on creation times the dashboard's period queries
use.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

# (index, table, columns): the dashboard filters each of these tables by a period.
_PERIOD_INDEXES = [
    ("ix_ledger_entries_kind_created", "ledger_entries", ["kind", "created_at"]),
    ("ix_users_created_at", "users", ["created_at"]),
    ("ix_users_last_seen_at", "users", ["last_seen_at"]),
    ("ix_rate_quotes_created_at", "rate_quotes", ["created_at"]),
    ("ix_orders_created_at", "orders", ["created_at"]),
    ("ix_invoices_created_at", "invoices", ["created_at"]),
    ("ix_refunds_created_at", "refunds", ["created_at"]),
]


def upgrade() -> None:
    shop_settings = op.create_table(
        "shop_settings",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("edits", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_by", sa.String(64), nullable=True),
        sa.CheckConstraint("id = 1", name="ck_shop_settings_one_row"),
    )
    # The row exists from the start, so a change only ever updates it (under a row lock).
    op.bulk_insert(shop_settings, [{"id": 1, "version": 0, "edits": {}}])
    for name, table, columns in _PERIOD_INDEXES:
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, table, _ in reversed(_PERIOD_INDEXES):
        op.drop_index(name, table_name=table)
    op.drop_table("shop_settings")
