"""When the user was told how each purchase ended, so an outcome a crash kept from them is
told later.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("orders") as orders:
        orders.add_column(sa.Column("told_at", sa.DateTime(timezone=True), nullable=True))
    # Purchases settled before were told at the time.
    op.execute(
        "UPDATE orders SET told_at = updated_at WHERE status IN ('purchased', 'failed', 'refunded')"
    )


def downgrade() -> None:
    with op.batch_alter_table("orders") as orders:
        orders.drop_column("told_at")
