"""Rate quotes, orders, and a per-user discount.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _user_id() -> sa.Column:
    return sa.Column(
        "user_id", sa.BigInteger(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False
    )


def upgrade() -> None:
    with op.batch_alter_table("users") as users:
        users.add_column(
            sa.Column("discount_percent", sa.Numeric(5, 2), nullable=False, server_default="0")
        )
    op.create_table(
        "rate_quotes",
        sa.Column("id", sa.String(32), primary_key=True),
        _user_id(),
        sa.Column("shipment_key", sa.String(64), nullable=False),
        sa.Column("shipment", sa.JSON(), nullable=False),
        sa.Column("rates", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_rate_quotes_user_shipment", "rate_quotes", ["user_id", "shipment_key"])
    op.create_table(
        "orders",
        sa.Column("id", sa.String(16), primary_key=True),
        _user_id(),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("shipment", sa.JSON(), nullable=False),
        sa.Column("rate", sa.JSON(), nullable=False),
        sa.Column("price_cents", sa.Integer(), nullable=False),
        sa.Column("quote_id", sa.String(32), nullable=False),
        sa.Column("quote_expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_orders_user_created", "orders", ["user_id", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_orders_user_created", table_name="orders")
    op.drop_table("orders")
    op.drop_index("ix_rate_quotes_user_shipment", table_name="rate_quotes")
    op.drop_table("rate_quotes")
    with op.batch_alter_table("users") as users:
        users.drop_column("discount_percent")
