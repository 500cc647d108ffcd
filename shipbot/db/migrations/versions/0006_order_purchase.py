"""Orders: what the purchase records (label id, tracking number, failure reason).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("orders") as orders:
        orders.add_column(sa.Column("label_id", sa.String(64), nullable=True))
        orders.add_column(sa.Column("tracking_number", sa.String(64), nullable=True))
        orders.add_column(sa.Column("failure_reason", sa.Text(), nullable=True))
        orders.add_column(sa.Column("purchased_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_orders_status", "orders", ["status"])


def downgrade() -> None:
    op.drop_index("ix_orders_status", table_name="orders")
    with op.batch_alter_table("orders") as orders:
        for column in ("purchased_at", "failure_reason", "tracking_number", "label_id"):
            orders.drop_column(column)
